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
 * `heapUsed()` asks the worker for V8's figure of its own heap over a
 * message port of its own (Node 20 has no `worker.getHeapStatistics()`),
 * answered by the entry's bootstrap between the plugin's tasks; a worker
 * busy for longer than a second leaves the question unanswered (undefined).
 *
 * Isolation here is about failure and memory, not security: a worker shares
 * the process, its environment and its filesystem rights with the host.
 */
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
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

/** How long `heapUsed()` waits for the worker's answer. */
const HEAP_ANSWER_MS = 1_000;

/** The bootstrap's answer to heap questions on the port in `workerData` (kept from holding the worker's event loop open). */
const HEAP_ANSWERS = [
  "import { workerData } from 'node:worker_threads';",
  "import { getHeapStatistics } from 'node:v8';",
  'const heapPort = workerData && workerData.heapPort;',
  'if (heapPort) { heapPort.on("message", (id) => heapPort.postMessage({ id, used: getHeapStatistics().used_heap_size })); heapPort.unref(); }',
].join('\n');

/**
 * The worker's entry: the runtime and the line that starts it, as a data: URL
 * (built once), named for stack traces (the runtime's frames would otherwise
 * carry the whole base64 entry, tens of kilobytes, in each error's stack).
 */
function workerEntry(): URL {
  if (!entryUrl) {
    const source = [
      "import { parentPort } from 'node:worker_threads';",
      HEAP_ANSWERS,
      WORKER_RUNTIME_SOURCE,
      `${WORKER_RUNTIME_GLOBAL}.runPluginWorker(parentPort);`,
      '//# sourceURL=plughub:worker-runtime',
    ].join('\n');
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
      const heap = new MessageChannel();
      const worker = new Worker(workerEntry(), {
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
        ...(options.execArgv ? { execArgv: options.execArgv } : {}),
        workerData: { heapPort: heap.port2 },
        transferList: [heap.port2],
      });
      const heapUsed = heapQuestions(heap.port1);
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
          heap.port1.close();
          await worker.terminate();
        },
        keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
        heapUsed,
      };
    },
  };
}

/** Asks a worker's heap over `port`: each question numbered, answered or given up after HEAP_ANSWER_MS; the port never keeps the process alive. */
function heapQuestions(port: MessagePort): () => Promise<number | undefined> {
  const waiting = new Map<number, (used: number | undefined) => void>();
  let next = 0;
  port.on('message', (answer: { id?: unknown; used?: unknown }) => {
    const settle = typeof answer?.id === 'number' ? waiting.get(answer.id) : undefined;
    if (settle) settle(typeof answer.used === 'number' && answer.used >= 0 ? answer.used : undefined);
  });
  port.on('close', () => {
    for (const settle of waiting.values()) settle(undefined);
  });
  port.unref();
  return () =>
    new Promise((resolve) => {
      const id = ++next;
      const timer = setTimeout(() => settle(undefined), HEAP_ANSWER_MS);
      timer.unref();
      const settle = (used: number | undefined) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(used);
      };
      waiting.set(id, settle);
      port.postMessage(id);
    });
}
