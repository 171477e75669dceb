/**
 * The host of the soak benchmark, in a process of its own: a Node
 * `createPluginHost` with its cache under `--cache`, loading the soak
 * plugins from the registry at `--registry`. At `--rate` rounds a second it
 * executes the steady and upgraded plugins, in-process and worker-isolated,
 * with values; calls a deadline cuts short and calls a caller cancels (each
 * must fail with exactly that error: a deadline's, the caller's reason); serves both route plugins through
 * `host.fetch`. Every `--check-ms` it upgrades what the registry published;
 * every `--churn-ms` it unloads and loads again an in-process plugin and
 * the churned worker plugin. Anything else than the expected outcome, and
 * every `error` event of the host, is counted as an error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createPluginHost } from '../../src/node/host.js';
import { serveParent, tell } from './child.js';
import { CHURNED, STEADY, UPGRADED, type SoakPlugin } from './plugins.js';

const { values } = parseArgs({
  options: {
    registry: { type: 'string' },
    cache: { type: 'string' },
    rate: { type: 'string', default: '40' },
    'check-ms': { type: 'string', default: '2000' },
    'churn-ms': { type: 'string', default: '3000' },
  },
});
if (!values.registry || !values.cache) throw new Error('--registry and --cache are required');
const periodMs = 1000 / Number(values.rate);
const checkMs = Number(values['check-ms']);
const churnMs = Number(values['churn-ms']);

// tsx, which runs this script, transforms every module the process imports, the plugin versions the
// host imports in process included, and has Node keep each one's source map (some 12 KB a version, held
// for good, as the module is): a host on plain Node keeps none. Node stops keeping them once this is off.
process.setSourceMapsEnabled(false);

const counts = { rounds: 0, executes: 0, deadlines: 0, cancels: 0, routes: 0, upgrades: 0, reloads: 0, late: 0 };
const errors = { total: 0, messages: new Map<string, number>() };

function fail(what: string, error: unknown): void {
  errors.total++;
  const key = `${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 300);
  errors.messages.set(key, (errors.messages.get(key) ?? 0) + 1);
}

// Samples are taken between rounds (serveParent's pause): a sample taken during a reload would miss a
// worker (about 10 MB of RSS), and with a sample every 3 s and a reload every 3 s it would miss it for many samples in a row.
// The samples' full GCs stop the host's event loop for tens of milliseconds on a shared machine: a
// worker's answer to an abort may wait behind them longer than the default 100 ms isolation grace.
const host = createPluginHost({ registry: values.registry, cacheDir: values.cache, env: {}, upgradeGraceMs: 2000, isolationGraceMs: 1000 });
host.on('error', ({ name, phase, error }) => fail(`host error event (${name}, ${phase})`, error));

async function load(plugin: SoakPlugin): Promise<void> {
  await host.load(`${plugin.name}@^1`, { isolation: plugin.isolation });
}

/** Runs `call`; it must reject with `expected` itself, or a PlughubError of that code. */
async function expectFailure(what: string, expected: string | Error, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    fail(what, new Error(`resolved where ${String(expected)} was expected`));
    return false;
  } catch (error) {
    if (error === expected || (error as { code?: unknown })?.code === expected) return true;
    fail(what, error);
    return false;
  }
}

async function executeOk(name: string, n: number): Promise<void> {
  try {
    const result = (await host.execute(name, { values: { n }, timeoutMs: 5000 })) as { n?: unknown };
    if (result?.n !== n) throw new Error(`answered ${JSON.stringify(result)}`);
    counts.executes++;
  } catch (error) {
    fail(`execute ${name}`, error);
  }
}

async function route(name: string, n: number): Promise<void> {
  try {
    const response = await host.fetch(new Request(`http://plugins.local/api/plugin/${name}/${n}`));
    const body = (await response.json()) as { id?: unknown };
    if (response.status !== 200 || body.id !== String(n)) throw new Error(`${response.status} ${JSON.stringify(body)}`);
    counts.routes++;
  } catch (error) {
    fail(`route ${name}`, error);
  }
}

/** One round: every steady and upgraded plugin once, both routes, now and then a deadline and a cancel. */
async function round(n: number): Promise<void> {
  const calls: Array<Promise<unknown>> = [];
  for (const plugin of [...STEADY, ...UPGRADED]) {
    calls.push(plugin.route ? route(plugin.name, n) : executeOk(plugin.name, n));
  }
  if (n % 10 === 0) {
    for (const name of ['soak-echo', 'soak-echo-worker']) {
      calls.push(
        expectFailure(`deadline ${name}`, 'E_DEADLINE', () => host.execute(name, { values: { n, sleep: 1000 }, timeoutMs: 20 })).then((ok) => {
          if (ok) counts.deadlines++;
        }),
      );
    }
  }
  if (n % 10 === 5) {
    for (const name of ['soak-echo', 'soak-echo-worker']) {
      const controller = new AbortController();
      const reason = new Error(`round ${n} cancelled by its caller`);
      setTimeout(() => controller.abort(reason), 10);
      calls.push(
        expectFailure(`cancel ${name}`, reason, () => host.execute(name, { values: { n, sleep: 1000 }, signal: controller.signal })).then((ok) => {
          if (ok) counts.cancels++;
        }),
      );
    }
  }
  await Promise.all(calls);
}

async function checkUpdates(): Promise<void> {
  try {
    const { upgraded, failed } = await host.checkUpdates();
    counts.upgrades += upgraded.length;
    for (const failure of failed) fail(`upgrade ${failure.name}`, failure.error);
  } catch (error) {
    fail('checkUpdates', error);
  }
}

async function reload(plugin: SoakPlugin): Promise<void> {
  try {
    await host.unload(plugin.name);
    await load(plugin);
    counts.reloads++;
  } catch (error) {
    fail(`reload ${plugin.name}`, error);
  }
}

for (const plugin of [...STEADY, ...UPGRADED, CHURNED]) await load(plugin);

let running = true;
/** Set while a sample waits for the loop: the loop resolves `reached` between rounds and waits for `resumed`. */
let pause: { reached: () => void; resumed: Promise<void> } | undefined;
const loop = (async () => {
  let began = performance.now();
  let lastCheck = began;
  let lastChurn = began;
  for (let n = 0; running; n++) {
    if (pause) {
      // Between rounds every plugin is loaded, no upgrade or reload is under way, no call is in flight.
      const paused = performance.now();
      pause.reached();
      await pause.resumed;
      began += performance.now() - paused;
    }
    const due = began + n * periodMs;
    const now = performance.now();
    if (due > now) await new Promise((resolve) => setTimeout(resolve, due - now));
    else if (now - due > periodMs) counts.late++;
    await round(n);
    counts.rounds++;
    if (performance.now() - lastCheck >= checkMs) {
      lastCheck = performance.now();
      await checkUpdates();
    }
    if (performance.now() - lastChurn >= churnMs) {
      lastChurn = performance.now();
      await Promise.all([reload(STEADY[0] as SoakPlugin), reload(CHURNED)]);
    }
  }
})();

/** The process's threads (Linux; 0 elsewhere): each worker is one, so a worker never terminated shows. */
async function threadCount(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  return Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

serveParent({
  pause: async () => {
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const reached = new Promise<void>((resolve) => (pause = { reached: resolve, resumed }));
    await Promise.race([reached, loop]);
    return () => {
      pause = undefined;
      resume();
    };
  },
  extra: async () => {
    const collected = await Promise.all(
      host
        .list()
        .filter((plugin) => plugin.isolation === 'worker')
        .map((plugin) => plugin.execute({ values: { gc: true } }).catch(() => undefined)),
    );
    const workerYoung = collected.reduce<number>(
      (sum, answer) => sum + (((answer as { youngGeneration?: unknown })?.youngGeneration as number | undefined) ?? 0),
      0,
    );
    await host.refreshMetrics();
    const metrics = host.metrics().metrics;
    const workerHeap = metrics.find((metric) => metric.name === 'plughub_worker_heap_used_bytes');
    const active = metrics.find((metric) => metric.name === 'plughub_active_versions');
    const sum = (metric: typeof workerHeap) => (metric && metric.type !== 'histogram' ? metric.series.reduce((total, series) => total + series.value, 0) : 0);
    return { workerHeap: sum(workerHeap), workerYoung, activeVersions: sum(active), threads: await threadCount(), ...counts, errors: errors.total };
  },
  stop: async () => {
    running = false;
    await loop;
    await host.close();
    return { counts, errors: errors.total, messages: [...errors.messages].map(([message, count]) => `${count}× ${message}`) };
  },
});
tell({ type: 'ready' });
