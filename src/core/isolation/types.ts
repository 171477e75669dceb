/**
 * The port of plugin isolation: what a platform supplies to run a plugin in a
 * worker (worker_threads in Node, a module Web Worker in browsers), what the
 * worker side listens on, and the surface every loaded plugin version offers
 * the host — whether it runs in-process (PluginInstance) or in a worker
 * (IsolatedInstance), with what createIsolatedInstance needs and what backs
 * `ctx.plugins` (DependencyLinks).
 */
import type { DependencyProvider, ExecuteInit, Logger } from '../plugin/index.js';
import type { PluginExecutionError } from '../errors/index.js';
import type { PluginOrigin } from '../plugin/index.js';
import type { Manifest } from '../plugin/index.js';
import type { ApiNode } from './host-api.js';

/** How a worker imports the plugin's bytes: a `blob:` URL (browsers) or a `data:` URL (anywhere). */
export type WorkerModuleScheme = 'blob' | 'data';

/** One running worker, as the host side sees it. */
export interface IsolatedWorker {
  /** Sends a message (structured clone); throws a DataCloneError for what cannot be cloned. */
  postMessage(message: unknown): void;
  /** Every message the worker posts. */
  onMessage(listener: (message: unknown) => void): void;
  /** An uncaught error in the worker, or a worker that could not start. */
  onError(listener: (error: unknown) => void): void;
  /** The worker stopped by itself (`process.exit`, `self.close()`); not called after `terminate`. */
  onExit(listener: (code: number) => void): void;
  /** Stops the worker at once, even in the middle of a busy loop. */
  terminate(): Promise<void>;
  /** Node: whether the worker keeps the process alive (it does only while calls are pending). */
  keepAlive?(alive: boolean): void;
  /**
   * The bytes of heap the worker uses, for the host's metrics; undefined when
   * it cannot tell (it has stopped, or is too busy to answer soon). Node's
   * spawner has it; a browser's Web Worker cannot report its heap.
   */
  heapUsed?(): Promise<number | undefined>;
}

/**
 * Starts workers that run `runPluginWorker`. `createNodeWorkerSpawner`
 * (plughub/node) and `createBrowserWorkerSpawner` (plughub/browser) are the
 * two adapters; a host with its own worker file can write a third.
 */
export interface WorkerSpawner {
  spawn(): IsolatedWorker;
  /** The schemes the worker may import plugin bytes through, tried in order (default `['data']`). */
  readonly moduleSchemes?: readonly WorkerModuleScheme[];
}

/** The worker side of the channel: `self` in a Web Worker, `parentPort` in worker_threads. */
export interface WorkerPort {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/** How a plugin is isolated: `none` runs it in the host's realm, `worker` in a worker of its own. */
export type Isolation = 'none' | 'worker';

/**
 * What the host needs of a loaded plugin version. PluginInstance (in-process)
 * and IsolatedInstance (in a worker) both have this surface, so the host can
 * keep either in the same map.
 */
export interface LoadedInstance {
  /** Where this version runs. */
  readonly isolation: Isolation;
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
  readonly manifest: Manifest;
  readonly origin: PluginOrigin;
  readonly loadedAt: number;
  /** `name@version`, for messages. */
  readonly id: string;
  /** Calls currently running on this version. */
  readonly inFlight: number;
  /** True once the instance has been shut down. */
  readonly closed: boolean;
  execute<T = unknown>(init?: ExecuteInit): Promise<T>;
  activate(state?: unknown): Promise<void>;
  deactivate(timeoutMs: number): Promise<unknown>;
  close(reason: string): void;
  idle(graceMs: number): Promise<void>;
  /** After close: resolves once nothing of the version runs any more (IsolatedInstance: its worker has terminated). */
  whenStopped?(): Promise<void>;
  /** The shape of the plugin's exported `api` (undefined when it exports none), as a worker learns it. */
  readonly apiShape: ApiNode | undefined;
  /** The exported `api` itself, when the version runs in the host's realm (undefined in a worker). */
  readonly exports: object | undefined;
  /** Calls the method at `path` of the exported `api` with structured-clone `args`; rejects when `signal` aborts. */
  callApi(path: string[], args: unknown[], signal?: AbortSignal): Promise<unknown>;
  /** Counts as a call in flight (an upgrade waits for it) until the returned function is called. */
  hold(): () => void;
  /** The heap its worker uses, in bytes (only versions in a worker whose spawner reports it; see IsolatedWorker.heapUsed). */
  heapUsed?(): Promise<number | undefined>;
  /**
   * Answers a request of one of the version's routes: runs its `fetch(request,
   * ctx)` handler, else `execute(ctx)`, with the route's label, params and
   * the query, and turns the result into a Response. Rejects like `execute`.
   */
  fetch(request: Request, route: RouteCall): Promise<Response>;
}

/**
 * Where a loaded version reports its calls, for the host's metrics
 * (host/metrics.ts binds one to each version's plugin and version).
 */
export interface InstanceMeter {
  /** Counts `work`, one call of execute, by how it ends and records how long it took; settles as `work` does. */
  execution<T>(work: Promise<T>): Promise<T>;
  /** A worker of the version started again after the previous one was lost. */
  workerRestarted(): void;
}

/** A call of a route: what `ctx` carries besides the request. */
export interface RouteCall {
  /** The route's label (`ctx.label`). */
  label: string;
  /** The decoded `:param` values (`ctx.get('params')`). */
  params: Record<string, string>;
  /** The call's time limit (its context's deadline). */
  timeoutMs?: number;
}

/** A dependency as a call of a worker-isolated dependent sees it: the version and its API's shape, or why it is unusable. */
export type DependencyShape = { version: string; api?: ApiNode } | { error: unknown };

/**
 * The host side of `ctx.plugins` for one plugin version (host/dependencies.ts):
 * `open()` gives what one call of it may use, until that call releases it.
 */
export interface DependencyLinks {
  open(): CallDependencies;
}

/** What one call of a dependent may use of its dependencies; released when the call ends. */
export interface CallDependencies {
  /** Backs `ctx.plugins` of an in-process call. */
  readonly provider: DependencyProvider;
  /** For a call in a worker: every declared dependency, pinned for the call. */
  describe(): Record<string, DependencyShape>;
  /** For a call in a worker: calls the exported API of dependency `name` (the version pinned for the call). */
  call(name: string, path: string[], args: unknown[], signal: AbortSignal): Promise<unknown>;
  /** Ends the call: its API objects stop working, what it registered through them is undone. */
  release(): void;
}

/** What createIsolatedInstance needs: what preparePlugin takes, with a spawner in place of cache and loader. */
export interface IsolatedInstanceInit<Api = unknown> {
  manifest: Manifest;
  integrity: string;
  /** The bundle; verified against `integrity` by createIsolatedInstance, then sent to every worker the instance starts. */
  bytes: Uint8Array;
  origin: PluginOrigin;
  spawner: WorkerSpawner;
  /** The host API; the plugin's `ctx.host.a.b(...)` calls `api.a.b(...)`. */
  api?: Api;
  /** The host's logger; the plugin's `ctx.log` lines arrive prefixed with `[name@version]`. */
  log?: Logger;
  /** How long an aborted request may take to answer before the worker is terminated (default 100 ms). */
  graceMs?: number;
  /** How long a worker may take to import the module (default 10 s). */
  loadTimeoutMs?: number;
  /** Called when a loaded worker crashes, exits, or is terminated because a request hung. */
  onCrash?: (error: PluginExecutionError) => void;
  /** What the plugin's `ctx.plugins` reaches (host/dependencies.ts); without it every name is refused. */
  links?: DependencyLinks;
  /** Upper bound on a route's request or response body crossing the worker boundary (default 10 MiB). */
  maxRouteBodyBytes?: number;
  /** Where its calls and worker restarts are counted (a host's metrics). */
  meter?: InstanceMeter;
}
