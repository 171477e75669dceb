/**
 * Memory benchmark of unloading: does memory return to its starting level
 * after a plugin is loaded and unloaded many times? A 1 MB plugin (a bundle
 * of many small functions plus a 256 KB string table, as a real bundle has)
 * is loaded, activated, executed once and unloaded `--iterations` times
 * (default 200), each time as a new version (different bytes, as an edited
 * or upgraded plugin is), in each mode:
 *
 * - worker: createIsolatedInstance with the Node worker spawner, then close()
 *   and wait for the worker to terminate;
 * - none (data:): core createHost (memory cache, data: URL loader),
 *   loadBundle + unload, and the bundle deleted from the cache;
 * - none (file:): plughub/node createPluginHost (filesystem cache, file
 *   loader), loadBundle + unload, and the bundle deleted from the cache;
 * - none, same bytes: as none (data:) but the same version every time.
 *
 * Each mode runs in its own process (`node --expose-gc --import tsx`), which
 * forces full GCs and reports V8 heap used and RSS before the first load,
 * with one plugin loaded, after its unload, every 50 cycles and after the
 * last unload; and the median time of a load/unload cycle and of one
 * execute (on the first version, 200 calls). RSS
 * counts the workers' isolates too; heapUsed is the host's isolate only.
 * Not a test: run it with
 *
 *   npx tsx bench/isolation-memory.ts [--iterations 200] [--size 1048576]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { createHost } from '../src/core/host/create.js';
import { createMemoryBlobCache } from '../src/core/memory.js';
import { computeIntegrity } from '../src/core/integrity.js';
import { createIsolatedInstance } from '../src/core/isolation/isolated-instance.js';
import { parseManifest } from '../src/core/plugin/manifest.js';
import { createPluginHost } from '../src/node/host.js';
import { createNodeWorkerSpawner } from '../src/node/worker-spawner.js';

const { values } = parseArgs({
  options: { iterations: { type: 'string', default: '200' }, size: { type: 'string', default: String(1024 * 1024) }, child: { type: 'string' } },
});
const iterations = Number(values.iterations);
const size = Number(values.size);
const MODES = ['worker', 'none (data:)', 'none (file:)', 'none, same bytes'] as const;
type Mode = (typeof MODES)[number];
type Level = Record<'heap' | 'rss', number>;

/** A plugin bundle of about `size` bytes, unique per `version`: small functions and a string table. */
function pluginSource(version: number): string {
  const table = `const table = ${JSON.stringify('x'.repeat(256 * 1024))};\n`;
  const head = `// isolation-memory plugin, version ${version}\n${table}const handlers = {\n`;
  const tail = `};
let cache;
export default {
  activate() { cache = Object.keys(handlers).map((key, i) => handlers[key](i)); },
  execute(ctx) { return { version: ${version}, n: cache.length, sum: cache.reduce((a, b) => a + b, 0) + table.length, who: ctx.get('who') }; },
};
`;
  const lines: string[] = [];
  let length = head.length + tail.length;
  for (let i = 0; length < size; i++) {
    const line = `  h${i}(x) { return x * ${i} + ${(i * 7919) % 10007} - String(x).length; },\n`;
    lines.push(line);
    length += line.length;
  }
  return head + lines.join('') + tail;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Full GCs until the heap stops shrinking (workers are freed asynchronously). */
async function settle(): Promise<{ heap: number; rss: number }> {
  let last = Infinity;
  for (let round = 0; round < 10; round++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const heap = process.memoryUsage().heapUsed;
    if (round >= 3 && heap >= last * 0.995) break;
    last = heap;
  }
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

async function child(mode: Mode): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'plughub-isolation-memory-'));
  const manifest = (version: number) => parseManifest({ name: 'big', version: `1.0.${version}`, source: { mode: 'esm', path: 'index.js' } });
  const spawner = createNodeWorkerSpawner();
  const memoryCache = createMemoryBlobCache();
  const dataHost = createHost({ cache: memoryCache });
  const fileHost = createPluginHost({ cacheDir: join(scratch, 'cache'), env: {} });
  const bundles = new Map<number, Uint8Array>();
  const bundle = (version: number) => {
    const key = mode === 'none, same bytes' ? 0 : version;
    if (!bundles.has(key)) bundles.set(key, new TextEncoder().encode(pluginSource(key)));
    return { bytes: bundles.get(key)!, version: key };
  };

  /** Loads, activates, executes and returns the unload of one version (and its execute, for timing calls). */
  async function cycle(version: number): Promise<(() => Promise<void>) & { call: () => Promise<unknown> }> {
    const { bytes, version: v } = bundle(version);
    if (mode === 'worker') {
      const instance = await createIsolatedInstance({
        manifest: manifest(v),
        integrity: await computeIntegrity(bytes),
        bytes,
        origin: { kind: 'local', location: 'bench' },
        spawner,
      });
      await instance.activate();
      await instance.execute({ values: { who: 'bench' } });
      const unload = async () => {
        instance.close('unloaded');
        await instance.whenStopped();
      };
      return Object.assign(unload, { call: () => instance.execute({ values: { who: 'bench' } }) });
    }
    const host = mode === 'none (file:)' ? fileHost : dataHost;
    const loaded = await host.loadBundle({ manifest: manifest(v), bytes, location: 'bench' });
    await loaded.execute({ values: { who: 'bench' } });
    const unload = async () => {
      await host.unload('big');
      await (mode === 'none (file:)' ? fileHost.cache : memoryCache).delete(loaded.integrity);
    };
    return Object.assign(unload, { call: () => loaded.execute({ values: { who: 'bench' } }) });
  }

  try {
    bundle(0);
    const start = await settle();
    const unloadFirst = await cycle(0);
    const loaded = await settle();
    const callTimes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const began = performance.now();
      await unloadFirst.call();
      callTimes.push(performance.now() - began);
    }
    await unloadFirst();
    const warm = await settle();
    const times: number[] = [];
    const trace: Array<{ cycles: number } & Level> = [];
    for (let i = 1; i < iterations; i++) {
      const began = performance.now();
      await (await cycle(i))();
      times.push(performance.now() - began);
      bundles.delete(i);
      if ((i + 1) % 50 === 0 && i + 1 < iterations) trace.push({ cycles: i + 1, ...(await settle()) });
    }
    const after = await settle();
    times.sort((a, b) => a - b);
    callTimes.sort((a, b) => a - b);
    process.stdout.write(
      `${JSON.stringify({ mode, bundleBytes: bundle(0).bytes.byteLength, start, loaded, warm, trace, after, medianMs: times[times.length >> 1], callUs: callTimes[100]! * 1000 })}\n`,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const signed = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;
const kb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / 1024).toFixed(0)} KB`;

interface Result {
  mode: Mode;
  bundleBytes: number;
  start: Level;
  loaded: Level;
  warm: Level;
  trace: Array<{ cycles: number } & Level>;
  after: Level;
  medianMs: number;
  callUs: number;
}

if (values.child) {
  if (!gc) throw new Error('run the child with node --expose-gc');
  await child(values.child as Mode);
} else {
  const script = fileURLToPath(import.meta.url);
  const results: Result[] = [];
  for (const mode of MODES) {
    // The in-process modes keep every version: give them room to show it rather than crash.
    const args = [
      '--expose-gc',
      '--max-old-space-size=8192',
      '--import',
      'tsx',
      script,
      '--child',
      mode,
      '--iterations',
      String(iterations),
      '--size',
      String(size),
    ];
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1024 * 1024 });
    results.push(JSON.parse(stdout) as Result);
  }
  console.log(
    `Node ${process.version}; bundle ${(results[0]!.bundleBytes / 1024).toFixed(0)} KiB; ${iterations} load/unload cycles per mode, each mode in its own process`,
  );
  console.log('start: before any load; 1 loaded: first version loaded; 1 unloaded: after its unload; N unloaded: after the last unload.');
  console.log('per cycle: (N unloaded - 1 unloaded) / (N - 1), what each further load/unload keeps.\n');
  for (const key of ['heap', 'rss'] as const) {
    const header = [
      'mode'.padEnd(18),
      'start',
      '1 loaded',
      '1 unloaded',
      'N unloaded',
      'N - start',
      'per cycle',
      ...(key === 'heap' ? ['ms/cycle', 'µs/call'] : []),
    ];
    console.log(`${key === 'heap' ? 'V8 heap used (host isolate)' : 'RSS (whole process, workers included)'}`);
    console.log(header.map((cell, i) => (i === 0 ? cell : cell.padStart(11))).join(' '));
    for (const r of results) {
      const cells = [
        mb(r.start[key]),
        mb(r.loaded[key]),
        mb(r.warm[key]),
        mb(r.after[key]),
        signed(r.after[key] - r.start[key]),
        kb((r.after[key] - r.warm[key]) / (iterations - 1)),
      ];
      if (key === 'heap') cells.push(r.medianMs.toFixed(1), r.callUs.toFixed(0));
      console.log([r.mode.padEnd(18), ...cells.map((cell) => cell.padStart(11))].join(' '));
    }
    console.log();
  }
  console.log('RSS after every 50 cycles (does it level off?)');
  for (const r of results)
    console.log(`${r.mode.padEnd(18)} ${[...r.trace, { cycles: iterations, ...r.after }].map((t) => `${t.cycles}: ${mb(t.rss)}`).join(', ')}`);
}
