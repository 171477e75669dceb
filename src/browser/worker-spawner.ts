/**
 * The browser WorkerSpawner: each plugin worker is a module Web Worker
 * started from a `blob:` URL of the bundled worker runtime
 * (core/isolation/runtime-source.ts) plus a few lines that hand it `self`.
 * Inside, plugins are imported from `data:` URLs of their verified bytes
 * (`blob:` where the policy refuses `data:`): through the scheme the page's
 * own loader found allowed, once it has probed, so that a page whose
 * policy refuses `data:` sees one refused probe, not one per worker. The page's
 * Content-Security-Policy must allow the worker (`worker-src blob:`, or
 * `script-src … blob:` when there is no worker-src) — a blob: worker inherits
 * the page's policy, so the page's `script-src` governs the plugin imports.
 * A host with its own worker file (for a policy without blob:) can write its
 * own spawner whose worker calls `runPluginWorker(self)` from plughub/core.
 *
 * What counts as a crash, as in Node: an uncaught error or an unhandled
 * promise rejection in the worker, and a worker that calls `self.close()`.
 * `terminate()` stops a worker even in the middle of a busy loop.
 */
import { WORKER_RUNTIME_GLOBAL, WORKER_RUNTIME_SOURCE } from '../core/isolation/index.js';
import type { IsolatedWorker, WorkerModuleScheme, WorkerSpawner } from '../core/isolation/index.js';
import { pageModuleScheme } from './blob-url-loader.js';

/** Options of createBrowserWorkerSpawner. */
export interface BrowserWorkerSpawnerOptions {
  /** How plugins are imported in the worker: `auto` (default: the scheme the page's loader found allowed; until it has answered, data:, blob: where refused), `blob` or `data`. */
  moduleScheme?: 'auto' | WorkerModuleScheme;
  /** The workers' name, as devtools show it (default `plughub-plugin`). */
  name?: string;
}

/** The message the worker posts right before `self.close()` ends it. */
const EXIT = 'plughub:exit';

/** The worker's script: the runtime, then the lines that report crashes and start it (built when first needed). */
function workerSource(): string {
  return [
    WORKER_RUNTIME_SOURCE,
    '{',
    '  const close = self.close.bind(self);',
    `  self.close = () => { self.postMessage({ type: '${EXIT}' }); close(); };`,
    '  self.addEventListener("unhandledrejection", (event) => { event.preventDefault(); throw event.reason; });',
    `  ${WORKER_RUNTIME_GLOBAL}.runPluginWorker(self);`,
    '}',
    '//# sourceURL=plughub:worker-runtime',
  ].join('\n');
}

/** An Error from a worker's ErrorEvent (`Uncaught TypeError: x` → TypeError, `x`), or one naming a refused script. */
function errorOf(event: Event): Error {
  if (typeof ErrorEvent !== 'undefined' && event instanceof ErrorEvent && event.message) {
    const match = /^(?:Uncaught )?(\w*Error): ([\s\S]*)$/.exec(event.message);
    const error = new Error(match ? match[2] : event.message);
    if (match) error.name = match[1]!;
    if (event.filename) error.stack = `${error.name}: ${error.message}\n    at ${event.filename}:${event.lineno}:${event.colno}`;
    return error;
  }
  return new Error("the worker script could not be started (does the page's Content-Security-Policy allow worker-src blob:?)");
}

/**
 * Creates the spawner that `createIsolatedInstance` (or a host with
 * `isolation: 'worker'`) uses in browsers.
 *
 * @example
 * const instance = await createIsolatedInstance({ manifest, integrity, bytes, origin, spawner: createBrowserWorkerSpawner() });
 */
export function createBrowserWorkerSpawner(options: BrowserWorkerSpawnerOptions = {}): WorkerSpawner {
  const scheme = options.moduleScheme ?? 'auto';
  const source = workerSource();
  return {
    // With `auto`, the scheme the page's own probe found (a blob: worker inherits the page's policy): no worker probes again.
    get moduleSchemes(): readonly WorkerModuleScheme[] {
      if (scheme !== 'auto') return [scheme];
      const known = pageModuleScheme();
      return known ? [known] : ['data', 'blob'];
    },
    spawn(): IsolatedWorker {
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      let worker: Worker;
      try {
        worker = new Worker(url, { type: 'module', name: options.name ?? 'plughub-plugin' });
      } catch (error) {
        URL.revokeObjectURL(url);
        throw error;
      }
      // The script is fetched asynchronously: keep its URL until the worker has spoken or failed.
      let revoked = false;
      const revoke = () => {
        if (!revoked) URL.revokeObjectURL(url);
        revoked = true;
      };
      const listeners = {
        message: [] as Array<(message: unknown) => void>,
        error: [] as Array<(error: unknown) => void>,
        exit: [] as Array<(code: number) => void>,
      };
      let stopped = false;
      worker.addEventListener('message', (event: MessageEvent) => {
        revoke();
        if (stopped) return;
        if ((event.data as { type?: unknown } | null)?.type === EXIT) {
          stopped = true;
          for (const listener of listeners.exit) listener(0);
        } else {
          for (const listener of listeners.message) listener(event.data);
        }
      });
      worker.addEventListener('error', (event) => {
        event.preventDefault(); // reported to the host as a crash, not to the page as an uncaught error
        revoke();
        if (stopped) return;
        const error = errorOf(event);
        for (const listener of listeners.error) listener(error);
      });
      return {
        postMessage: (message) => worker.postMessage(message),
        onMessage: (listener) => void listeners.message.push(listener),
        onError: (listener) => void listeners.error.push(listener),
        onExit: (listener) => void listeners.exit.push(listener),
        async terminate() {
          stopped = true;
          revoke();
          worker.terminate();
        },
      };
    },
  };
}
