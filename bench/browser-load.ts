/**
 * Browser load benchmark: what plughub/browser adds, in Chromium, on top of
 * "fetch the bundle and import it". A real registry (memory storage,
 * node:http on 127.0.0.1 port 0) serves 50 KB plugins to a page on another
 * origin (so every request is a CORS request, as in production); the page
 * (bench/browser-load-page.ts bundled with src/browser) times, with
 * performance.now() inside the page, each iteration on fresh bytes:
 *
 * - plughub cold: new host on a new, empty IndexedDB database — resolve
 *   (document GET), download (bypassing the HTTP cache), verify, import
 *   (from a data: URL where the page allows it); the database is created and written after the load
 *   resolves, and waited for outside the timing (host.settled) so that it
 *   never overlaps the next measurement;
 * - plughub warm: new host on a database where the plugin is cached, as on
 *   the next visit within the document's max-age (60 s): document and blob
 *   read from IndexedDB, the blob verified, imported (the cache filled from
 *   another tab of the origin, so that the module is new to the page);
 *
 * against baselines in the same page, from the same registry, on other
 * bytes of the same size and shape: `fetch` of the blob URL (cold:
 * `cache: 'no-store'`; warm: from the HTTP cache, filled by a first fetch)
 * + `import()` of a blob: URL. The time of a plughub load includes making
 * its host. Two references are printed too (not goals): the baseline cold
 * through a data: URL, as plughub imports where the page allows it (the
 * part of plughub's figure owed to the scheme), and one that no loader from
 * a registry can beat: the document request, then the bundle's and its
 * import through the same scheme as plughub's (`floor`). Each round prints its medians and ratios; the summary gives the
 * median of all rounds, the spread of the rounds' ratios and PASS or FAIL
 * against the goals (cold <= 1.5x, warm <= 1.3x). Not a test: run it with
 *
 *   npx tsx bench/browser-load.ts [--rounds 3] [--iterations 15]
 */
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { collectBytes, packPlg } from '../src/core/plg/index.js';
import { createRegistryClient } from '../src/core/registry/client.js';
import { createMemoryStorage, createMemoryTokenStore, createRegistry, serveNode } from '../registry-server/index.js';
import { launchChromium } from '../test/chromium/support/chromium.js';
import { startStaticServer } from '../test/chromium/support/static-server.js';
import type { BenchPage } from './browser-load-page.js';
import { median, percentile } from './support/stats.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, iterations: { type: 'string', default: '15' }, size: { type: 'string', default: '51200' } },
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
const GOALS = { cold: 1.5, warm: 1.3 };
const warmup = 5;
const size = Number(values.size);

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

const tokens = createMemoryTokenStore();
const { token } = await tokens.create({ admin: true, publish: [] });
const registry = await serveNode(createRegistry({ storage: createMemoryStorage(), tokens }), { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
const client = createRegistryClient({ url: registry.url, token, retry: 0 });
const script = await build({
  entryPoints: [new URL('./browser-load-page.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'silent',
});
const page = await startStaticServer({
  '/': { body: '<!doctype html><title>loading</title><script type="module" src="/bench.js"></script>', type: 'text/html' },
  '/bench.js': { body: script.outputFiles[0]!.contents, type: 'text/javascript' },
});
const browser = await launchChromium();

try {
  const total = warmup + rounds * iterations;
  const blobUrl: Record<string, string> = {};
  for (let i = 0; i < total; i++) {
    for (const name of [`cold-${i}`, `warm-${i}`, `base-cold-${i}`, `base-warm-${i}`, `floor-${i}`, `data-${i}`]) {
      const manifest = { name, version: '1.0.0', source: { mode: 'esm', path: 'index.js' } };
      const plg = await collectBytes(
        packPlg([
          { path: 'plugin.json', content: JSON.stringify(manifest) },
          { path: 'index.js', content: pluginSource(name) },
        ]),
      );
      blobUrl[name] = client.blobUrl((await client.publish(name, '1.0.0', plg)).dist);
    }
  }

  // The warm cases' caches are filled from a second tab of the same origin (same HTTP cache, same IndexedDB), as by
  // an earlier visit: a page keeps every module it imported (by URL), so a fill from the measuring page itself would
  // leave the module there and the measured import would not evaluate it again.
  const context = await browser.newContext();
  const [tab, filler] = [await context.newPage(), await context.newPage()];
  for (const opened of [tab, filler]) {
    await opened.goto(page.url);
    await opened.waitForFunction(() => document.title === 'ready');
  }
  const plughubIn = (where: typeof tab, database: string, spec: string, cold: boolean) =>
    where.evaluate(([r, d, s, c]) => (window as unknown as { bench: BenchPage }).bench.plughub(r, d, s, c), [registry.url, database, spec, cold] as const);
  const baselineIn = (where: typeof tab, url: string, cold: boolean, via: 'blob' | 'data' = 'blob') =>
    where.evaluate(([u, c, v]) => (window as unknown as { bench: BenchPage }).bench.baseline(u, c, v), [url, cold, via] as const);
  const plughub = (database: string, spec: string, cold: boolean) => plughubIn(tab, database, spec, cold);
  const baseline = (url: string, cold: boolean, via: 'blob' | 'data' = 'blob') => baselineIn(tab, url, cold, via);
  const floor = (name: string) =>
    tab.evaluate(([d, u]) => (window as unknown as { bench: BenchPage }).bench.floor(d, u), [client.documentUrl(name), blobUrl[name]!] as const);

  const labels = {
    baseCold: 'baseline cold: fetch (no-store) + import(blob: URL)',
    cold: 'plughub cold (new database: resolve, download, verify, import; then store)',
    floor: 'reference: fetch document, then the bundle, import(data: URL)',
    dataCold: 'reference: baseline cold through a data: URL (as plughub imports)',
    baseWarm: 'baseline warm: fetch (HTTP cache) + import(blob: URL)',
    warm: 'plughub warm (cached in IndexedDB: fresh document, read, verify, import)',
  } as const;
  type Case = keyof typeof labels;
  const empty = (): Record<Case, number[]> => ({ baseCold: [], cold: [], floor: [], dataCold: [], baseWarm: [], warm: [] });
  const all = empty();
  const roundRatios: Array<Record<'cold' | 'warm', number>> = [];

  async function iteration(i: number): Promise<Record<Case, number>> {
    // Alternate the order of plughub and baseline so neither always runs first.
    const pair = async (a: () => Promise<number>, b: () => Promise<number>) => (i % 2 ? [await a(), await b()] : [await b(), await a()].reverse());
    const [baseCold, cold] = await pair(
      () => baseline(blobUrl[`base-cold-${i}`]!, true),
      () => plughub(`cold-${i}`, `cold-${i}@^1`, true),
    );
    const floorMs = await floor(`floor-${i}`);
    const dataCold = await baseline(blobUrl[`data-${i}`]!, true, 'data');
    await baselineIn(filler, blobUrl[`base-warm-${i}`]!, false); // fills the HTTP cache
    await plughubIn(filler, 'warm', `warm-${i}@^1`, false); // fills IndexedDB
    const [baseWarm, warm] = await pair(
      () => baseline(blobUrl[`base-warm-${i}`]!, false),
      () => plughub('warm', `warm-${i}@^1`, false),
    );
    return { baseCold: baseCold!, cold: cold!, floor: floorMs, dataCold, baseWarm: baseWarm!, warm: warm! };
  }

  const bytes = pluginSource('x').length;
  console.log(
    `Chromium ${browser.version()}, bundle ${(bytes / 1024).toFixed(1)} KiB, ${rounds} rounds of ${iterations} iterations (+${warmup} warm-up), registry ${registry.url}, page ${page.origin}`,
  );
  const header = `${'case'.padEnd(74)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'ratio'.padStart(7)}`;
  const baseOf = (key: Case): Case => (key === 'cold' || key === 'baseCold' || key === 'floor' || key === 'dataCold' ? 'baseCold' : 'baseWarm');
  const print = (samples: Record<Case, number[]>) => {
    console.log(header);
    for (const key of Object.keys(labels) as Case[]) {
      const ratio = median(samples[key]) / median(samples[baseOf(key)]);
      console.log(
        `${labels[key].padEnd(74)} ${median(samples[key]).toFixed(2).padStart(10)} ${percentile(samples[key], 0.9).toFixed(2).padStart(8)} ${`${ratio.toFixed(2)}x`.padStart(7)}`,
      );
    }
  };
  for (let i = 0; i < warmup; i++) await iteration(i);
  for (let round = 0; round < rounds; round++) {
    const samples = empty();
    for (let j = 0; j < iterations; j++) {
      const measured = await iteration(warmup + round * iterations + j);
      for (const key of Object.keys(labels) as Case[]) samples[key].push(measured[key]);
    }
    for (const key of Object.keys(labels) as Case[]) all[key].push(...samples[key]);
    roundRatios.push({ cold: median(samples.cold) / median(samples.baseCold), warm: median(samples.warm) / median(samples.baseWarm) });
    console.log(`\nround ${round + 1}`);
    print(samples);
  }
  console.log('\nall rounds');
  print(all);
  console.log('');
  for (const kind of ['cold', 'warm'] as const) {
    const overall = median(all[kind]) / median(all[kind === 'cold' ? 'baseCold' : 'baseWarm']);
    const spread = roundRatios.map((r) => r[kind]);
    const verdict = overall <= GOALS[kind] ? 'PASS' : 'FAIL';
    console.log(
      `${kind}: ${overall.toFixed(2)}x (rounds ${Math.min(...spread).toFixed(2)}-${Math.max(...spread).toFixed(2)}), goal <= ${GOALS[kind]}x: ${verdict}`,
    );
  }
  console.log(
    `cold over the floor reference: ${(median(all.cold) / median(all.floor)).toFixed(2)}x (not a goal: what plughub adds beyond the document request)`,
  );
  console.log('ratio: median over the baseline median of the same temperature (cold or warm), same page, same run.');
} finally {
  await browser.close();
  await page.close();
  await registry.close();
}
