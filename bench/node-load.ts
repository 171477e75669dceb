/**
 * Node load benchmark: how much plughub adds on top of "fetch the bundle and
 * import it". A 50 KB plugin is published to a real registry (memory
 * storage, node:http bridge on 127.0.0.1, port 0) and loaded with
 * createPluginHost in these ways, each iteration on fresh plugin bytes:
 *
 * - cold: new host on an empty cache directory — resolve (document GET),
 *   download, verify, private copy, import; the cache (temp + rename) is
 *   written after the load resolves, and waited for outside the timing
 *   (host.settled) so that it never overlaps the next measurement;
 * - warm: new host on the filled cache directory with its own private module
 *   directory, as a new process would be — document revalidated (304), blob
 *   read from disk and verified, imported (Node evaluates it again);
 * - warm, same process: a new host whose loader finds the module already
 *   imported by Node (same content, same private copy);
 *
 * against baselines measured in the same run, from the same server, on
 * other bytes of the same size and shape (an import of the very same bytes
 * would find Node's module map or V8's caches warm): plain `fetch` of the
 * blob URL + `import()` of a data: URL, and plain fetch + write to a temp
 * file + `import()` of its file: URL (what plughub's loader does with its
 * private copy). The goal is judged against the data: baseline, the
 * literal "fetch + import() of the same bytes" (Node imports bytes in hand
 * only through a URL, and a data: URL adds no step of its own); the file:
 * one, which writes a file as plughub's loader does, is printed beside it.
 * A reference that no loader from a registry can beat is printed too: the
 * document request, then the bundle's, a temp file and its import (`floor`).
 * Within each iteration plughub and the baselines take turns to go first.
 * Each round prints its medians and ratios; the summary gives the median of
 * all rounds, the spread of the rounds' ratios and PASS or FAIL against the
 * goals (cold <= 1.3x, warm <= 1.1x) for either baseline. Not a test: run
 * it with
 *
 *   npx tsx bench/node-load.ts [--rounds 3] [--iterations 15]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { moduleDataUrl } from '../src/core/plugin/loader.js';
import { collectBytes, packPlg } from '../src/core/plg/index.js';
import { createRegistryClient } from '../src/core/registry/client.js';
import { createFileLoader } from '../src/node/loader/file-loader.js';
import { createPluginHost } from '../src/node/host.js';
import { createMemoryStorage, createMemoryTokenStore, createRegistry, serveNode } from '../registry-server/index.js';
import { median, percentile } from './support/stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    iterations: { type: 'string', default: '15' },
    size: { type: 'string', default: '51200' },
  },
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
const warmup = 5;
const size = Number(values.size);
const GOALS = { cold: 1.3, warm: 1.1 };

/** A plugin module of about `size` bytes of code (small functions, as a bundle has), unique per tag. */
function pluginSource(tag: string): string {
  const head = `// bench plugin ${tag} ${Math.random()}\nconst handlers = {\n`;
  const tail = `};\nexport default { execute(ctx) { return { tag: ${JSON.stringify(tag)}, n: Object.keys(handlers).length, who: ctx.get('who') }; } };\n`;
  let body = '';
  for (let i = 0; head.length + body.length + tail.length < size; i++) {
    body += `  h${i}(x) { return x * ${i} + ${(i * 7919) % 10007} - String(x).length; },\n`;
  }
  return head + body + tail;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const scratch = await mkdtemp(join(tmpdir(), 'plughub-bench-'));
const tokens = createMemoryTokenStore();
const { token } = await tokens.create({ admin: true, publish: [] });
const server = await serveNode(createRegistry({ storage: createMemoryStorage(), tokens }), { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
const client = createRegistryClient({ url: server.url, retry: 0 });

try {
  const total = warmup + rounds * iterations;
  const dataUrls: string[] = [];
  const fileUrls: string[] = [];
  const floorUrls: Array<{ document: string; blob: string }> = [];
  let bundleBytes = 0;
  for (let i = 0; i < total; i++) {
    for (const name of [`bench-${i}`, `base-data-${i}`, `base-file-${i}`, `floor-${i}`]) {
      const source = pluginSource(name);
      bundleBytes = source.length;
      const manifest = { name, version: '1.0.0', source: { mode: 'esm', path: 'index.js' } };
      const plg = await collectBytes(
        packPlg([
          { path: 'plugin.json', content: JSON.stringify(manifest) },
          { path: 'index.js', content: source },
        ]),
      );
      const entry = await client.publish(name, '1.0.0', plg, { token });
      if (name.startsWith('base-data-')) dataUrls.push(client.blobUrl(entry.dist));
      if (name.startsWith('base-file-')) fileUrls.push(client.blobUrl(entry.dist));
      if (name.startsWith('floor-')) floorUrls.push({ document: client.documentUrl(name), blob: client.blobUrl(entry.dist) });
    }
  }

  const labels = {
    data: 'baseline: fetch + import(data: URL)',
    file: 'baseline: fetch + temp file + import(file: URL)',
    cold: 'plughub cold (resolve, download, verify, import; then cache)',
    warm: 'plughub warm (from disk cache, new host, new module dir)',
    same: 'plughub warm, same process (module already imported)',
    floor: 'reference: fetch document, fetch + temp file + import(file:)',
  } as const;
  type Case = keyof typeof labels;
  const empty = (): Record<Case, number[]> => ({ data: [], file: [], cold: [], warm: [], same: [], floor: [] });
  const all = empty();
  const roundRatios: Array<Record<'cold' | 'warm', { data: number; file: number }>> = [];

  /** One iteration on the i-th plugins: the baselines and the three plughub loads, in an order that alternates. */
  async function iteration(i: number): Promise<Record<Case, number>> {
    const baselines = async () => {
      const data = await time(async () => {
        const bytes = new Uint8Array(await (await fetch(dataUrls[i]!)).arrayBuffer());
        await import(moduleDataUrl(bytes));
      });
      const file = await time(async () => {
        const bytes = new Uint8Array(await (await fetch(fileUrls[i]!)).arrayBuffer());
        const path = join(scratch, `baseline-${i}.mjs`);
        await writeFile(path, bytes);
        await import(pathToFileURL(path).href);
      });
      const floor = await time(async () => {
        await (await fetch(floorUrls[i]!.document)).arrayBuffer();
        const bytes = new Uint8Array(await (await fetch(floorUrls[i]!.blob)).arrayBuffer());
        const path = join(scratch, `floor-${i}.mjs`);
        await writeFile(path, bytes);
        await import(pathToFileURL(path).href);
      });
      return { data, file, floor };
    };
    const plughub = async () => {
      const cacheDir = join(scratch, `cache-${i}`);
      const host = (privateDir: string) => createPluginHost({ registry: client, cacheDir, env: {}, loader: createFileLoader({ privateDir }) });
      const coldHost = host(join(scratch, `modules-${i}-a`));
      const cold = await time(() => coldHost.load(`bench-${i}@^1`));
      // The cache writes run after the load resolves: waited for outside the timing, so that they never overlap the
      // next measurement and the warm load finds the plugin stored.
      await coldHost.settled();
      const warmHost = host(join(scratch, `modules-${i}-b`));
      const warm = await time(() => warmHost.load(`bench-${i}@^1`));
      await warmHost.settled();
      const sameHost = host(join(scratch, `modules-${i}-a`));
      const same = await time(() => sameHost.load(`bench-${i}@^1`));
      await sameHost.settled();
      return { cold, warm, same };
    };
    if (i % 2) return { ...(await baselines()), ...(await plughub()) };
    const loads = await plughub();
    return { ...(await baselines()), ...loads };
  }

  const ratio = (a: number[], b: number[]) => median(a) / median(b);
  const row = (label: string, values: number[], baseData: number[], baseFile: number[]) =>
    `${label.padEnd(60)} ${median(values).toFixed(2).padStart(10)} ${percentile(values, 0.9).toFixed(2).padStart(8)} ${`${ratio(values, baseData).toFixed(2)}x`.padStart(9)} ${`${ratio(values, baseFile).toFixed(2)}x`.padStart(9)}`;
  const header = `${'case'.padEnd(60)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'vs data:'.padStart(9)} ${'vs file:'.padStart(9)}`;

  console.log(
    `Node ${process.version}, bundle ${(bundleBytes / 1024).toFixed(1)} KiB, ${rounds} rounds of ${iterations} iterations (+${warmup} warm-up), registry ${server.url}`,
  );
  for (let i = 0; i < warmup; i++) await iteration(i);
  for (let round = 0; round < rounds; round++) {
    const samples = empty();
    for (let j = 0; j < iterations; j++) {
      const measured = await iteration(warmup + round * iterations + j);
      for (const key of Object.keys(labels) as Case[]) samples[key].push(measured[key]);
    }
    for (const key of Object.keys(labels) as Case[]) all[key].push(...samples[key]);
    roundRatios.push({
      cold: { data: ratio(samples.cold, samples.data), file: ratio(samples.cold, samples.file) },
      warm: { data: ratio(samples.warm, samples.data), file: ratio(samples.warm, samples.file) },
    });
    console.log(`\nround ${round + 1}\n${header}`);
    for (const key of Object.keys(labels) as Case[]) console.log(row(labels[key], samples[key], samples.data, samples.file));
  }

  console.log(`\nall rounds\n${header}`);
  for (const key of Object.keys(labels) as Case[]) console.log(row(labels[key], all[key], all.data, all.file));
  console.log('');
  for (const kind of ['cold', 'warm'] as const) {
    for (const base of ['data', 'file'] as const) {
      const overall = ratio(all[kind], all[base]);
      const spread = roundRatios.map((r) => r[kind][base]);
      const verdict = overall <= GOALS[kind] ? 'PASS' : 'FAIL';
      console.log(
        `${`${kind} vs ${base}:`.padEnd(15)} ${overall.toFixed(2)}x (rounds ${Math.min(...spread).toFixed(2)}-${Math.max(...spread).toFixed(2)}), goal <= ${GOALS[kind]}x: ${verdict}`,
      );
    }
  }
  console.log(`cold over the floor reference: ${ratio(all.cold, all.floor).toFixed(2)}x (not a goal: what plughub adds beyond the document request)`);
  console.log('The goal is judged against the data: baseline (bench/README.md says why); the file: one is printed beside it.');
} finally {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
}
