/**
 * A loaded plugin version that runs in a worker of its own, with the same
 * surface as PluginInstance (LoadedInstance), so the host can serve either.
 *
 * - execute: the call's context is built on the host (caller signal,
 *   timeout, label, unload) and its values, deadline and label are sent to
 *   the worker, which runs the plugin with a real PluginContext. When the
 *   host-side context aborts, the call rejects at once with its reason (as
 *   in-process) and the worker is sent a `cancel`; if the worker does not
 *   answer within `graceMs` its event loop is blocked and it is terminated.
 * - A crash (an uncaught error, `process.exit`, `self.close()`) or such a
 *   termination rejects the calls in flight with a PluginExecutionError
 *   naming `name@version` and the cause. The instance stays loaded: the next
 *   call starts a fresh worker, imports the module again and, if the plugin
 *   was activated, activates it again without state (what the old worker
 *   held in memory is gone).
 * - close(reason): calls in flight reject with an UnloadedError, and the
 *   worker is terminated as soon as nothing runs on it — a deactivate called
 *   right after close (as the host's unload does) runs first, within its
 *   timeout. Terminating the worker frees everything the plugin allocated.
 * - ctx.host calls become messages dispatched to `api` by path (host-api.ts).
 * - ctx.plugins: each request carries the dependencies its call may use
 *   (`links`, pinned for the call) and the session serves the worker's
 *   calls of them; `callApi` lets dependents call this plugin's exported
 *   `api` in its worker (an abort stops waiting for the answer, and never
 *   terminates the worker, as the API function cannot see the abort).
 */
import { createContext, prefixedLogger, silentLogger, type Logger, type PluginContext } from '../plugin/index.js';
import { PluginExecutionError, UnloadedError, isPlughubError, type ErrorDetails } from '../errors/index.js';
import type { ExecuteInit } from '../plugin/index.js';
import type { PluginOrigin } from '../plugin/index.js';
import { verifyIntegrity } from '../integrity.js';
import type { Manifest } from '../plugin/index.js';
import { callHostApi, describeHostApi, type ApiNode } from './host-api.js';
import type { PluginHooks } from './protocol.js';
import { InFlight } from '../plugin/index.js';
import { CallContexts, raceSignal } from './signals.js';
import type { CallDependencies, IsolatedInstanceInit, LoadedInstance, RouteCall } from './types.js';
import { DEFAULT_MAX_ROUTE_BODY_BYTES, requestToWire, responseFromWire, type WireResponse } from '../routes/wire.js';

export type { IsolatedInstanceInit } from './types.js';
import { WorkerSession, isWorkerLoss, type RequestBody } from './worker-session.js';

/** A plugin version running in a worker; see the module comment. */
export class IsolatedInstance<Api = unknown> implements LoadedInstance {
  readonly isolation = 'worker' as const;
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
  readonly manifest: Manifest;
  readonly origin: PluginOrigin;
  readonly loadedAt = Date.now();
  readonly #init: IsolatedInstanceInit<Api>;
  readonly #log: Logger;
  readonly #details: ErrorDetails;
  readonly #graceMs: number;
  /** Aborts with an UnloadedError on close; every call's host-side context follows it. */
  readonly #root: PluginContext;
  readonly #calls: CallContexts;
  readonly #sessions = new Set<WorkerSession>();
  #session: WorkerSession | undefined;
  #starting: Promise<WorkerSession> | undefined;
  #hooks: PluginHooks = { activate: false, deactivate: false };
  #activated = false;
  #crash: PluginExecutionError | undefined;
  readonly #running = new InFlight();

  /** Use createIsolatedInstance, which also verifies the bytes and starts the first worker (a host, whose bytes are verified already, calls start itself). */
  constructor(init: IsolatedInstanceInit<Api>) {
    this.#init = init;
    this.manifest = init.manifest;
    this.name = init.manifest.name;
    this.version = init.manifest.version;
    this.integrity = init.integrity;
    this.origin = init.origin;
    this.#details = { plugin: this.name, version: this.version };
    this.#log = prefixedLogger(this.id, init.log ?? silentLogger);
    this.#graceMs = init.graceMs ?? 100;
    this.#root = createContext({ plugin: init.manifest });
    this.#calls = new CallContexts(this.#root, init.manifest, init.links);
  }

  /** In a worker, the exported `api` is not in the host's realm: dependents use apiShape and callApi. */
  get exports(): undefined {
    return undefined;
  }

  /** The shape of the exported `api`, as the worker reported it when the module loaded. */
  get apiShape(): ApiNode | undefined {
    return this.#hooks.api;
  }

  /** Counts as a call in flight until the returned function is called (once). */
  hold(): () => void {
    return this.#running.hold();
  }

  /**
   * Calls a method of the exported `api` in the worker (a dependent's call).
   * `signal` stops the wait; the call itself runs to its end in the worker.
   */
  async callApi(path: string[], args: unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.closed) throw this.#root.signal.reason;
    const release = this.hold();
    try {
      const session = await (signal ? raceSignal(this.#ensureSession(), signal) : this.#ensureSession());
      return await session.send({ type: 'api-call', path, args }, { what: `the arguments of its api ${path.join('.')}()`, ...(signal ? { signal } : {}) });
    } finally {
      release();
    }
  }

  /** `name@version`, for messages. */
  get id(): string {
    return `${this.name}@${this.version}`;
  }

  /** The number of calls currently running on this version. */
  get inFlight(): number {
    return this.#running.count;
  }

  /** True once the instance has been shut down. */
  get closed(): boolean {
    return this.#root.signal.aborted;
  }

  /** Why the last worker stopped, until a new one has started (the next call starts it). */
  get crashed(): PluginExecutionError | undefined {
    return this.#crash;
  }

  /** Starts the worker (when none runs) and waits until the module is loaded; rejects with a PluginLoadError. */
  async start(): Promise<void> {
    await this.#ensureSession();
  }

  /**
   * Runs the plugin's execute in its worker. Resolves with its result (a
   * structured clone); rejects with the context's abort reason (cancel,
   * deadline, unload) as soon as it aborts, or with a PluginExecutionError
   * wrapping what the plugin threw, or naming the crash of its worker.
   */
  execute<T = unknown>(init: ExecuteInit = {}): Promise<T> {
    return this.#init.meter ? this.#init.meter.execution(this.#execute<T>(init)) : this.#execute<T>(init);
  }

  async #execute<T>(init: ExecuteInit): Promise<T> {
    if (this.closed) throw this.#root.signal.reason;
    const { ctx, dispose, dependencies } = this.#calls.open(init);
    this.#running.enter();
    try {
      ctx.throwIfAborted();
      const session = await raceSignal(this.#ensureSession(), ctx.signal);
      const body: RequestBody = {
        type: 'execute',
        ...(init.values !== undefined ? { values: init.values } : {}),
        ...(ctx.deadline !== undefined ? { deadline: ctx.deadline } : {}),
        ...(init.label !== undefined ? { label: init.label } : {}),
      };
      return (await this.#request(session, body, ctx.signal, 'the values of execute', dependencies, ctx.deadline)) as T;
    } catch (error) {
      if (ctx.signal.aborted && (error === ctx.signal.reason || !isPlughubError(error))) throw ctx.signal.reason;
      if (isPlughubError(error)) throw error;
      throw this.#failure('execute', error);
    } finally {
      dispose();
      this.#running.leave();
    }
  }

  /**
   * Answers a route's request in the worker: the request crosses as data
   * (its body read up to `maxRouteBodyBytes`, else a SizeLimitError), the
   * worker runs `fetch(request, ctx)` or `execute(ctx)` and sends the
   * response back as data (its body bounded the same way).
   */
  async fetch(request: Request, route: RouteCall): Promise<Response> {
    if (this.closed) throw this.#root.signal.reason;
    const limit = this.#init.maxRouteBodyBytes ?? DEFAULT_MAX_ROUTE_BODY_BYTES;
    const init: ExecuteInit = { label: route.label, request, signal: request.signal };
    if (route.timeoutMs !== undefined) init.timeoutMs = route.timeoutMs;
    const { ctx, dispose, dependencies } = this.#calls.open(init);
    this.#running.enter();
    try {
      ctx.throwIfAborted();
      const wire = await raceSignal(requestToWire(request, limit, this.#details), ctx.signal);
      const session = await raceSignal(this.#ensureSession(), ctx.signal);
      const body: RequestBody = {
        type: 'fetch',
        request: wire,
        label: route.label,
        params: route.params,
        maxBodyBytes: limit,
        ...(ctx.deadline !== undefined ? { deadline: ctx.deadline } : {}),
      };
      const answer = await this.#request(session, body, ctx.signal, 'the request', dependencies, ctx.deadline);
      return responseFromWire(answer as WireResponse);
    } catch (error) {
      if (ctx.signal.aborted && (error === ctx.signal.reason || !isPlughubError(error))) throw ctx.signal.reason;
      if (isPlughubError(error)) throw error;
      throw this.#failure(route.label, error);
    } finally {
      dispose();
      this.#running.leave();
    }
  }

  /** Calls the plugin's activate hook (if any) in its worker with the state handed over by a previous version. */
  async activate(state?: unknown): Promise<void> {
    try {
      const session = await this.#ensureSession(false);
      if (this.#hooks.activate) await this.#activateIn(session, state, 'the state for activate');
      this.#activated = true;
    } catch (error) {
      throw this.#failure('activate', error);
    }
  }

  /** Sends `activate` (with the dependencies it may use, released once it has answered). */
  async #activateIn(session: WorkerSession, state: unknown, what: string): Promise<void> {
    const dependencies = this.#init.links?.open();
    try {
      await this.#request(session, { type: 'activate', ...(state !== undefined ? { state } : {}) }, this.#root.signal, what, dependencies);
    } finally {
      dependencies?.release();
    }
  }

  /** Resolves when no call is running, or after `graceMs`, whichever comes first. */
  idle(graceMs: number): Promise<void> {
    return this.#running.idle(graceMs);
  }

  /**
   * Calls the plugin's deactivate hook (if any) in its worker, bounded by
   * `timeoutMs`, and returns what it returned (a structured clone). After
   * close it runs on the worker that is being retired; when no worker runs
   * any more (closed after a crash) there is nothing to deactivate and it
   * returns undefined.
   */
  async deactivate(timeoutMs: number): Promise<unknown> {
    if (!this.#hooks.deactivate) return undefined;
    const current = this.#session;
    if (this.closed && (!current || current.stopped)) return undefined;
    const ctx = createContext({ plugin: this.manifest, timeoutMs, label: 'deactivate' });
    const dependencies = this.#init.links?.open();
    try {
      const session = current && !current.stopped && !this.#starting ? current : await this.#ensureSession();
      return await this.#request(session, { type: 'deactivate', deadline: ctx.deadline! }, ctx.signal, 'deactivate', dependencies, ctx.deadline);
    } catch (error) {
      throw this.#failure('deactivate', error);
    } finally {
      ctx.cancel();
      dependencies?.release();
    }
  }

  /** Aborts every call with an UnloadedError saying why, and terminates the worker once nothing runs on it. */
  close(reason: string): void {
    if (this.closed) return;
    this.#calls.cancelAll(new UnloadedError(`${this.id} was ${reason}`, this.#details));
    this.#session?.retire(this.#root.signal.reason);
  }

  /** The heap its running worker uses, in bytes; undefined without a worker or when its spawner cannot tell. */
  heapUsed(): Promise<number | undefined> {
    const session = this.#session;
    return session && !session.stopped ? session.heapUsed() : Promise.resolve(undefined);
  }

  /** Resolves once every worker this instance started has terminated (after close, the last one). */
  async whenStopped(): Promise<void> {
    await Promise.all([...this.#sessions].map((session) => session.terminated));
  }

  /** Sends a request (with the dependencies its call may use) and waits for its answer or for `signal` (see WorkerSession.send). */
  #request(session: WorkerSession, body: RequestBody, signal: AbortSignal, what: string, dependencies?: CallDependencies, deadline?: number) {
    return session.send(body, { signal, what, graceMs: this.#graceMs, ...(dependencies ? { link: { dependencies, signal, deadline } } : {}) });
  }

  /**
   * The running worker, or a new one (loaded, and activated again when the
   * plugin was and `reactivate`). A worker that has not answered an abandoned
   * request yet may be stuck: wait until it answers or is terminated.
   */
  async #ensureSession(reactivate = true): Promise<WorkerSession> {
    if (this.#starting) return this.#starting;
    const current = this.#session;
    if (current && !current.stopped) {
      await current.responsive();
      if (!current.stopped) return current;
      return this.#ensureSession(reactivate);
    }
    if (this.closed) throw this.#root.signal.reason;
    const starting = this.#start(reactivate && this.#activated);
    this.#starting = starting;
    const clear = () => {
      if (this.#starting === starting) this.#starting = undefined;
    };
    starting.then(clear, clear);
    return starting;
  }

  async #start(reactivate: boolean): Promise<WorkerSession> {
    const { manifest, integrity, bytes, spawner } = this.#init;
    const session = new WorkerSession({
      spawner,
      id: this.id,
      details: this.#details,
      loadTimeoutMs: this.#init.loadTimeoutMs ?? 10_000,
      load: { type: 'load', plugin: manifest, api: describeHostApi(this.#init.api), integrity, bytes, schemes: spawner.moduleSchemes ?? ['data'] },
      onHostCall: (path, args) => callHostApi(this.#init.api, path, args),
      onLog: (level, args) => this.#log[level](...args),
      onCrash: (error) => {
        this.#crash = error;
        this.#init.onCrash?.(error);
      },
    });
    this.#session = session;
    this.#sessions.add(session);
    void session.terminated.then(() => this.#sessions.delete(session));
    try {
      this.#hooks = await raceSignal(session.ready, this.#root.signal);
      if (reactivate && this.#hooks.activate) await this.#activateIn(session, undefined, 'activate');
    } catch (error) {
      void session.stop(error);
      throw error;
    }
    if (this.#crash) this.#init.meter?.workerRestarted();
    this.#crash = undefined;
    return session;
  }

  #failure(hook: string, cause: unknown): PluginExecutionError {
    if (isWorkerLoss(cause)) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new PluginExecutionError(`${this.id}: ${hook} failed: ${reason}`, { ...this.#details, cause });
  }
}

/**
 * Verifies the bundle, starts its worker and waits until the module is
 * imported and has the shape of a plugin (a PluginLoadError otherwise, with
 * the worker terminated). The instance is not yet activated: call
 * `activate(state)`, as for an in-process PluginInstance.
 *
 * @example
 * const instance = await createIsolatedInstance({ manifest, integrity, bytes, origin, spawner: createNodeWorkerSpawner(), api });
 * await instance.activate();
 * await instance.execute({ values: { who: 'worker' }, timeoutMs: 1000 });
 * instance.close('unloaded'); // the worker terminates, its memory is freed
 */
export async function createIsolatedInstance<Api = unknown>(init: IsolatedInstanceInit<Api>): Promise<IsolatedInstance<Api>> {
  await verifyIntegrity(init.bytes, init.integrity, { plugin: init.manifest.name, version: init.manifest.version });
  const instance = new IsolatedInstance<Api>(init);
  await instance.start();
  return instance;
}
