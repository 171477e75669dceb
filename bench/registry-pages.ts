/**
 * Server-side render of the registry's pages: a plugin page for a plugin
 * with 200 versions (README included, rendered once and cached as in
 * production), and the search page over 1,000 plugins, through the
 * registry's handler in process (no HTTP). Baseline in the same run: the
 * same plugin's JSON document from the same handler. Goal: a plugin page
 * under 10 ms.
 *
 *   npx tsx bench/registry-pages.ts [--rounds 5] [--renders 200]
 */
import { parseArgs } from 'node:util';
import { collectBytes, packPlg } from '../src/core/plg/index.js';
import { createMemoryStorage, createMemoryTokenStore, createRegistry } from '../registry-server/index.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, renders: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds);
const renders = Number(values.renders);
const ORIGIN = 'http://registry.bench';

const README = `# A plugin with history\n\n${'Some **Markdown** with `code` and [links](https://example.com).\n\n'.repeat(200)}`;

async function seed(): Promise<(path: string) => Promise<Response>> {
  const tokens = createMemoryTokenStore();
  const { token } = await tokens.create({ admin: true, publish: [] });
  const registry = createRegistry({ storage: createMemoryStorage(), tokens, uploads: { perToken: 64 } });
  const put = async (name: string, version: string, readme?: string) => {
    const files = [
      {
        path: 'plugin.json',
        content: JSON.stringify({ name, version, description: `The ${name} plugin`, keywords: ['bench'], source: { mode: 'esm', path: 'index.js' } }),
      },
      { path: 'index.js', content: `export function execute() { return ${JSON.stringify(version)}; }\n` },
      ...(readme ? [{ path: 'README.md', content: readme }] : []),
    ];
    const body = (await collectBytes(packPlg(files))) as Uint8Array<ArrayBuffer>;
    const response = await registry.fetch(
      new Request(`${ORIGIN}/v1/plugins/${name}/${version}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
        body,
      }),
    );
    if (response.status !== 201) throw new Error(`${name}@${version}: ${response.status} ${await response.text()}`);
  };
  for (let minor = 0; minor < 20; minor++) for (let patch = 0; patch < 10; patch++) await put('historic', `1.${minor}.${patch}`, README);
  for (let index = 0; index < 1_000; index++) await put(`plugin-${String(index).padStart(4, '0')}`, '1.0.0');
  return (path) => registry.fetch(new Request(`${ORIGIN}${path}`));
}

/** Median milliseconds of `count` sequential GETs of `path` (each body read whole). */
async function median(get: (path: string) => Promise<Response>, path: string, count: number): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const response = await get(path);
    await response.arrayBuffer();
    times.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const get = await seed();
const rows: Array<{ round: number; document: number; page: number; search: number }> = [];
for (let round = 1; round <= rounds; round++) {
  const document = await median(get, '/v1/plugins/historic', renders);
  const page = await median(get, '/plugins/historic', renders);
  const search = await median(get, '/?q=plugin-05', renders);
  rows.push({ round, document, page, search });
  console.log(
    `round ${round}: JSON document ${document.toFixed(3)} ms, plugin page (200 versions) ${page.toFixed(3)} ms, search over 1,001 plugins ${search.toFixed(3)} ms`,
  );
}
const mid = (key: 'document' | 'page' | 'search') => rows.map((row) => row[key]).sort((a, b) => a - b)[Math.floor(rows.length / 2)] as number;
console.log(
  `median: plugin page ${mid('page').toFixed(2)} ms (goal < 10 ms), ${(mid('page') / mid('document')).toFixed(1)}x the JSON document (${mid('document').toFixed(3)} ms); search page ${mid('search').toFixed(2)} ms`,
);
