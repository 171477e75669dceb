/**
 * The Node WorkerSpawner: each plugin worker is a worker_threads Worker
 * started from a `data:` URL of the bundled worker runtime
 * (core/isolation/runtime-source.ts) followed by one line that hands it
 * `parentPort`. No file is read and no loader is involved, so the same code
 * runs from the built package and from the sources (vitest, tsx). Plugins
 * are imported inside the worker from `data:` URLs of their verified bytes.
 *
 * `terminate()` stops a worker even in the middle of `while (true) {}`, and
 * everything the plugin allocated goes with its V8 isolate. A worker keeps
 * the process alive only while a request is pending on it, so a host that
 * forgets to unload does not hang its process at exit. `resourceLimits`
 * (e.g. `{ maxOldGenerationSizeMb: 64 }`) bounds a plugin's heap: one that
 * exceeds it crashes its own worker, not the host.
 *
 * Isolation here is about failure and memory, not security: a worker shares
 * the process, its environment and its filesystem rights with the host.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { WORKER_RUNTIME_GLOBAL, WORKER_RUNTIME_SOURCE } from '../core/isolation/index.js';
import type { IsolatedWorker, WorkerSpawner } from '../core/isolation/index.js';

/** Options of createNodeWorkerSpawner. */
export interface NodeWorkerSpawnerOptions {
  /** V8 limits of each plugin worker (heap sizes, stack size). */
  resourceLimits?: ResourceLimits;
  /** Node flags of each worker (default: the host process's `process.execArgv`). */
  execArgv?: string[];
}

let entryUrl: URL | undefined;

/** The worker's entry: the runtime and the line that starts it, as a data: URL (built once). */
function workerEntry(): URL {
  if (!entryUrl) {
    const source = ["import { parentPort } from 'node:worker_threads';", WORKER_RUNTIME_SOURCE, `${WORKER_RUNTIME_GLOBAL}.runPluginWorker(parentPort);`].join(
      '\n',
    );
    entryUrl = new URL(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
  }
  return entryUrl;
}

/**
 * Creates the spawner that `createIsolatedInstance` (or a host with
 * `isolation: 'worker'`) uses in Node.
 *
 * @example
 * const spawner = createNodeWorkerSpawner({ resourceLimits: { maxOldGenerationSizeMb: 128 } });
 * const instance = await createIsolatedInstance({ manifest, integrity, bytes, origin, spawner });
 */
export function createNodeWorkerSpawner(options: NodeWorkerSpawnerOptions = {}): WorkerSpawner {
  return {
    moduleSchemes: ['data'],
    spawn(): IsolatedWorker {
      const worker = new Worker(workerEntry(), {
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
        ...(options.execArgv ? { execArgv: options.execArgv } : {}),
      });
      let terminating = false;
      return {
        postMessage: (message) => worker.postMessage(message),
        onMessage: (listener) => void worker.on('message', listener),
        onError: (listener) => void worker.on('error', listener),
        onExit: (listener) =>
          void worker.on('exit', (code) => {
            if (!terminating) listener(code);
          }),
        async terminate() {
          terminating = true;
          await worker.terminate();
        },
        keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
      };
    },
  };
}
