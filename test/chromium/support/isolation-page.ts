/**
 * The page script of the Chromium isolation tests, bundled by esbuild from
 * the sources (plughub/browser's public exports): it loads plugins into
 * module Web Workers with createIsolatedInstance and the browser spawner,
 * offers them a small host API (`note`, `math.add`, `store.get/fail`), and
 * exposes `window.isolation` for the tests to drive through page.evaluate.
 * Every outcome comes back as plain data (errors as name, message, code).
 */
import {
  computeIntegrity,
  createBlobUrlLoader,
  createBrowserWorkerSpawner,
  createIsolatedInstance,
  parseManifest,
  type IsolatedInstance,
  type IsolatedWorker,
  type WorkerSpawner,
} from '../../../src/browser/index.js';

/** A settled promise as data. */
export type Outcome = { ok: true; value: unknown } | { ok: false; name: string; message: string; code?: string };

/** What the page exposes. */
export interface IsolationPage {
  load(name: string, code: string, options?: { loadTimeoutMs?: number }): Promise<Outcome>;
  /** Starts a call under `key`; `wait(key)` gives its outcome, `abort(key)` cancels it. */
  start(key: string, name: string, init?: { values?: Record<string, unknown>; timeoutMs?: number; label?: string }): void;
  wait(key: string): Promise<Outcome>;
  abort(key: string, message: string): void;
  run(name: string, init?: { values?: Record<string, unknown>; timeoutMs?: number; label?: string }): Promise<Outcome>;
  /** Closes an instance and resolves once its worker is terminated. */
  close(name: string): Promise<void>;
  /** Resolves when a plugin has sent `ctx.host.note(text)`. */
  seen(text: string): Promise<void>;
  crashed(name: string): string | undefined;
  readonly notes: string[];
  readonly crashes: string[];
  readonly logs: unknown[][];
  /** Workers started, and how many were terminated. */
  workers(): { spawned: number; terminated: number };
  /** The schemes workers would import through, before and after the page's own loader has imported a module. */
  moduleSchemes(): Promise<{ before: readonly string[]; after: readonly string[] }>;
}

declare global {
  interface Window {
    isolation: IsolationPage;
  }
}

const instances = new Map<string, IsolatedInstance>();
const calls = new Map<string, { promise: Promise<Outcome>; controller: AbortController }>();
const notes: string[] = [];
const waiters: Array<{ text: string; resolve: () => void }> = [];
const crashes: string[] = [];
const logs: unknown[][] = [];
const counts = { spawned: 0, terminated: 0 };

const api = {
  note(text: string) {
    notes.push(text);
    for (const waiter of waiters.filter((w) => w.text === text)) waiter.resolve();
  },
  math: { add: (a: number, b: number) => a + b },
  store: {
    get: (key: string) => `value of ${key}`,
    fail: (what: string) => {
      throw new RangeError(`store refused: ${what}`);
    },
  },
};

const inner = createBrowserWorkerSpawner();
const spawner: WorkerSpawner = {
  get moduleSchemes() {
    return inner.moduleSchemes;
  },
  spawn(): IsolatedWorker {
    const worker = inner.spawn();
    counts.spawned += 1;
    const terminate = () => {
      counts.terminated += 1;
      return worker.terminate();
    };
    return { ...worker, terminate };
  },
};

function settle(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: { name?: string; message?: string; code?: string }) => ({
      ok: false,
      name: String(error?.name),
      message: String(error?.message),
      ...(typeof error?.code === 'string' ? { code: error.code } : {}),
    }),
  );
}

function instance(name: string): IsolatedInstance {
  const found = instances.get(name);
  if (!found) throw new Error(`${name} is not loaded in the page`);
  return found;
}

window.isolation = {
  async moduleSchemes() {
    const before = inner.moduleSchemes ?? [];
    const bytes = new TextEncoder().encode('export const ok = true;\n');
    await createBlobUrlLoader().import({ name: 'scheme-probe', version: '1.0.0', integrity: await computeIntegrity(bytes), bytes });
    return { before, after: inner.moduleSchemes ?? [] };
  },
  async load(name, code, options = {}) {
    const bytes = new TextEncoder().encode(code);
    return settle(
      (async () => {
        const loaded = await createIsolatedInstance({
          manifest: parseManifest({ name, version: '1.0.0', source: { mode: 'esm', path: 'index.js' } }),
          integrity: await computeIntegrity(bytes),
          bytes,
          origin: { kind: 'local', location: `page/${name}` },
          spawner,
          api,
          log: { debug() {}, info: (...args: unknown[]) => void logs.push(args), warn() {}, error() {} },
          onCrash: (error) => void crashes.push(error.message),
          ...options,
        });
        await loaded.activate();
        instances.set(name, loaded);
        return 'loaded';
      })(),
    );
  },
  start(key, name, init = {}) {
    const controller = new AbortController();
    calls.set(key, { controller, promise: settle(instance(name).execute({ ...init, signal: controller.signal })) });
  },
  wait: (key) => calls.get(key)!.promise,
  abort: (key, message) => calls.get(key)!.controller.abort(new DOMException(message, 'AbortError')),
  run: (name, init = {}) => settle(instance(name).execute(init)),
  async close(name) {
    const found = instance(name);
    instances.delete(name);
    found.close('unloaded');
    await found.whenStopped();
  },
  seen: (text) => (notes.includes(text) ? Promise.resolve() : new Promise((resolve) => void waiters.push({ text, resolve }))),
  crashed: (name) => instances.get(name)?.crashed?.message,
  notes,
  crashes,
  logs,
  workers: () => ({ ...counts }),
};
