/**
 * The plugins of the soak benchmark, packed as .plg bytes, and their roles.
 * Every plugin has the same small bundle: `execute` returns its name,
 * version and a call count kept across upgrades (`deactivate` hands it to
 * the next version's `activate`), waits `values.sleep` milliseconds when
 * asked (stopping when its context aborts), and `fetch` answers its routes.
 * With `values.gc` it forces a full GC of its realm (a worker's own heap)
 * when the process runs with --expose-gc, and answers the bytes of its
 * realm's young generation, which the soak's samples use.
 */
import { collectBytes, packPlg } from '../../src/core/plg/index.js';

/** How the host uses a plugin. */
export interface SoakPlugin {
  name: string;
  isolation: 'none' | 'worker';
  /** Declares a GET route `/api/plugin/<name>/:id`. */
  route?: boolean;
}

/** Fixed plugins the host executes; their version never changes. */
export const STEADY: SoakPlugin[] = [
  { name: 'soak-echo', isolation: 'none' },
  { name: 'soak-echo-worker', isolation: 'worker' },
  { name: 'soak-route', isolation: 'none', route: true },
  { name: 'soak-route-worker', isolation: 'worker', route: true },
];

/** Plugins that get new versions during the run: the host upgrades them. */
export const UPGRADED: SoakPlugin[] = [
  { name: 'soak-up', isolation: 'none' },
  { name: 'soak-up-worker', isolation: 'worker' },
];

/** A plugin that gets new versions and yanks; the host unloads and loads it again. */
export const CHURNED: SoakPlugin = { name: 'soak-churn-worker', isolation: 'worker' };

/** Plugins only the read load asks for (five versions each). */
export const READ_ONLY = Array.from({ length: 10 }, (_, i) => `soak-read-${i}`);

function bundleSource(name: string, version: string): string {
  return `// ${name}@${version}: a plugin of the soak benchmark
let state = { calls: 0 };
const notes = ${JSON.stringify(`${name} `.repeat(64))};
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
// A full GC of this realm, and the bytes its young generation holds in memory (a worker's own; null when unknown).
async function collect() {
  if (typeof globalThis.gc !== 'function') return { youngGeneration: null };
  globalThis.gc();
  const v8 = await import('node:v8').catch(() => null);
  if (!v8) return { youngGeneration: null };
  const young = v8.getHeapSpaceStatistics().filter((space) => space.space_name === 'new_space' || space.space_name === 'new_large_object_space');
  return { youngGeneration: young.reduce((sum, space) => sum + space.physical_space_size, 0) };
}
export default {
  activate(ctx, previous) { if (previous) state = previous; },
  deactivate() { return state; },
  async execute(ctx) {
    if (ctx.get('gc') === true) return collect();
    state.calls++;
    const ms = ctx.get('sleep') ?? 0;
    if (ms > 0) await sleep(ms, ctx.signal);
    return { name: ${JSON.stringify(name)}, version: ${JSON.stringify(version)}, n: ctx.get('n'), calls: state.calls, notes: notes.length };
  },
  fetch(request, ctx) {
    state.calls++;
    return { id: ctx.get('params').id, version: ${JSON.stringify(version)}, calls: state.calls };
  },
};
`;
}

/** The .plg of one version of a plugin. */
export async function packSoakPlugin(plugin: SoakPlugin | string, version: string): Promise<Uint8Array> {
  const { name, route } = typeof plugin === 'string' ? { name: plugin, route: false } : plugin;
  const manifest = {
    name,
    version,
    description: `A plugin of the soak benchmark (${name})`,
    source: { mode: 'esm', path: 'dist/index.js' },
    ...(route ? { http_services: { driver: 'fetch', routes: [{ route: `/api/plugin/${name}/:id`, method: 'GET', label: `${name}.get` }] } } : {}),
  };
  return collectBytes(
    packPlg([
      { path: 'plugin.json', content: JSON.stringify(manifest) },
      { path: 'dist/index.js', content: bundleSource(name, version) },
    ]),
  );
}
