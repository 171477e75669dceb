/**
 * One plugin worker seen from the host: it spawns the worker, sends the
 * module and waits for `ready`, matches every request with its `done`,
 * answers the plugin's host calls and forwards its log lines. A request the
 * host gives up on (cancel, deadline, unload) is sent a `cancel`; when its
 * answer does not come within the grace period the worker's event loop is
 * blocked (a busy loop cannot see its signal abort) and the worker is
 * terminated. A worker that throws an uncaught error or exits by itself
 * stops the session too: every request still pending is rejected with an
 * error that names the plugin and the cause. A request may carry the
 * dependencies of its call (`CallLink`): the worker's `host-call`,
 * `plugin-call` and `plugin-execute` messages are answered by host-answers.ts. A stopped session never starts
 * again; the instance (isolated-instance.ts) starts a new one.
 */
import { PluginExecutionError, PluginLoadError, UsageError, isPlughubError, type ErrorDetails } from '../errors/index.js';
import { raceSignal } from './signals.js';
import { HostAnswers, wireDependencies, type CallLink } from './host-answers.js';
import { isLogLevel, isMessage, type HostMessage, type LogLevel, type PluginHooks, type RequestMessage, type WorkerMessage } from './protocol.js';
import type { IsolatedWorker, WorkerSpawner } from './types.js';
import { describeError, fromWireError, toWireError } from './wire-error.js';

/** A request without its id (the session numbers them). */
export type RequestBody = { [K in RequestMessage['type']]: Omit<Extract<RequestMessage, { type: K }>, 'id'> }[RequestMessage['type']];

/** What a session needs from its instance. */
export interface SessionInit {
  spawner: WorkerSpawner;
  load: Extract<HostMessage, { type: 'load' }>;
  /** `name@version`, for messages. */
  id: string;
  details: ErrorDetails;
  loadTimeoutMs: number;
  onHostCall(path: string[], args: unknown[]): Promise<unknown>;
  onLog(level: LogLevel, args: unknown[]): void;
  /** The loaded worker crashed, exited, or was terminated because a request hung. */
  onCrash(error: PluginExecutionError): void;
}

interface Pending {
  hook: string;
  link?: CallLink | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  grace?: ReturnType<typeof setTimeout>;
}

const noop = () => {};

/** The errors a session made because its worker was lost (crash, exit, a hung request). */
const losses = new WeakSet<object>();

/** True for the PluginExecutionError a session rejects requests with when its worker was lost. */
export function isWorkerLoss(error: unknown): error is PluginExecutionError {
  return typeof error === 'object' && error !== null && losses.has(error);
}

/** A running (or stopped) plugin worker. */
export class WorkerSession {
  /** Resolves with the plugin's hooks once its module is loaded; rejects with a PluginLoadError. */
  readonly ready: Promise<PluginHooks>;
  /** Resolves once the worker has been terminated (or has exited). */
  readonly terminated: Promise<void>;
  readonly #init: SessionInit;
  readonly #worker: IsolatedWorker | undefined;
  readonly #requests = new Map<number, Pending>();
  /** Requests abandoned by the host whose answer has not come yet: the worker may be stuck. */
  readonly #abandoned = new Set<number>();
  #responsiveWaiters: Array<() => void> = [];
  #nextId = 0;
  #loaded = false;
  #stopped: { reason: unknown } | undefined;
  #retiring: { reason: unknown } | undefined;
  #loadTimer: ReturnType<typeof setTimeout> | undefined;
  #settleReady: { resolve(hooks: PluginHooks): void; reject(error: unknown): void } = { resolve: noop, reject: noop };
  #markTerminated: () => void = noop;
  readonly #answers: HostAnswers;

  constructor(init: SessionInit) {
    this.#init = init;
    this.#answers = new HostAnswers({
      id: init.id,
      details: init.details,
      onHostCall: init.onHostCall,
      linkOf: (call) => (typeof call === 'number' ? this.#requests.get(call)?.link : undefined),
      send: (message) => this.#worker?.postMessage(message),
      stopped: () => this.#stopped !== undefined,
    });
    this.ready = new Promise((resolve, reject) => (this.#settleReady = { resolve, reject }));
    this.ready.catch(noop);
    this.terminated = new Promise((resolve) => (this.#markTerminated = resolve));
    let worker: IsolatedWorker | undefined;
    try {
      worker = init.spawner.spawn();
      worker.onMessage((message) => this.#receive(message));
      worker.onError((error) => this.#lost(`crashed: ${describeError(error)}`, error));
      worker.onExit((code) => this.#lost(`exited with code ${code}`, new Error(`the worker exited with code ${code}`)));
      worker.postMessage(init.load);
    } catch (error) {
      this.#worker = worker;
      void this.stop(new PluginLoadError(`${init.id}: the worker could not start: ${describeError(error)}`, { ...init.details, cause: error }));
      return;
    }
    this.#worker = worker;
    this.#loadTimer = setTimeout(() => {
      const message = `${init.id}: the module did not finish loading in its worker within ${init.loadTimeoutMs} ms`;
      void this.stop(new PluginLoadError(message, init.details));
    }, init.loadTimeoutMs);
    this.#keepAlive();
  }

  /** Why the session stopped, once it has. */
  get stopped(): { reason: unknown } | undefined {
    return this.#stopped;
  }

  /**
   * Resolves once every abandoned request has been answered (the worker's
   * event loop runs) or the session has stopped (it was stuck and got
   * terminated): a new request should not be sent to a worker that may be stuck.
   */
  responsive(): Promise<void> {
    if (this.#abandoned.size === 0 || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#responsiveWaiters.push(resolve));
  }

  /**
   * Sends a request (with the dependencies its call may use, from `link`);
   * the promise settles with the worker's answer. Throws (synchronously)
   * the DataCloneError of a message that cannot be cloned.
   */
  request(body: RequestBody, link?: CallLink): { id: number; promise: Promise<unknown> } {
    if (this.#stopped) return { id: -1, promise: Promise.reject(this.#stopped.reason) };
    const id = ++this.#nextId;
    this.#worker!.postMessage({ ...body, ...(link ? { plugins: wireDependencies(link.dependencies) } : {}), id });
    const promise = new Promise((resolve, reject) => this.#requests.set(id, { hook: body.type, link, resolve, reject }));
    promise.catch(noop);
    this.#keepAlive();
    return { id, promise };
  }

  /**
   * Sends a request and waits for its answer or for `signal`. With
   * `graceMs`, an abort abandons the request (see abandon: the worker may be
   * terminated); without, it only stops the wait (an exported api function
   * cannot see an abort, so its worker is never terminated for one). A body
   * that cannot be cloned is a UsageError naming `what`.
   */
  async send(body: RequestBody, options: { signal?: AbortSignal; what: string; graceMs?: number; link?: CallLink }): Promise<unknown> {
    const { signal, graceMs } = options;
    let sent: { id: number; promise: Promise<unknown> };
    try {
      sent = this.request(body, options.link);
    } catch (error) {
      const message = `${this.#init.id}: ${options.what} cannot be sent to the worker (only structured-clone values cross, no functions): ${describeError(error)}`;
      throw new UsageError(message, { ...this.#init.details, cause: error });
    }
    if (!signal) return sent.promise;
    const onAbort = () => {
      if (graceMs !== undefined) this.abandon(sent.id, signal.reason, graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await raceSignal(sent.promise, signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Tells the worker that request `id` is abandoned (its context aborts with
   * `reason`); terminates the worker when no answer comes within `graceMs`.
   */
  abandon(id: number, reason: unknown, graceMs: number): void {
    const pending = this.#requests.get(id);
    if (!pending || this.#stopped) return;
    this.#post({ type: 'cancel', id, reason: toWireError(reason) });
    this.#abandoned.add(id);
    pending.grace ??= setTimeout(() => {
      if (!this.#requests.has(id) || this.#stopped) return;
      const why = isPlughubError(reason) ? reason.message : describeError(reason);
      const message =
        `${this.#init.id}: the worker was terminated: ${pending.hook} did not stop within ${graceMs} ms ` +
        `after its context aborted (${why}); a busy loop cannot see its signal abort`;
      const error = new PluginExecutionError(message, { ...this.#init.details, cause: reason });
      losses.add(error);
      void this.stop(error);
      this.#init.onCrash(error);
    }, graceMs);
  }

  /**
   * Terminates the worker as soon as no request is pending (checked after the
   * current task, so a request sent right after — the host's unload calls
   * deactivate after close — still runs). Later requests fail with `reason`.
   */
  retire(reason: unknown): void {
    if (this.#retiring || this.#stopped) return;
    this.#retiring = { reason };
    setTimeout(() => this.#maybeRetire(), 0);
  }

  /** The heap the worker uses, in bytes, when its spawner can tell (see IsolatedWorker.heapUsed). */
  heapUsed(): Promise<number | undefined> {
    return this.#stopped || !this.#worker?.heapUsed ? Promise.resolve(undefined) : this.#worker.heapUsed();
  }

  /** Terminates the worker now; pending and later requests fail with `reason`. Resolves once it is gone. */
  stop(reason: unknown): Promise<void> {
    if (this.#stopped) return this.terminated;
    this.#stopped = { reason };
    clearTimeout(this.#loadTimer);
    this.#settleReady.reject(reason);
    for (const pending of this.#requests.values()) {
      clearTimeout(pending.grace);
      pending.reject(reason);
    }
    this.#requests.clear();
    this.#settleAbandoned();
    const worker = this.#worker;
    if (!worker) this.#markTerminated();
    else worker.terminate().then(this.#markTerminated, this.#markTerminated);
    return this.terminated;
  }

  #settleAbandoned(id?: number): void {
    if (id === undefined) this.#abandoned.clear();
    else this.#abandoned.delete(id);
    if (this.#abandoned.size === 0) for (const wake of this.#responsiveWaiters.splice(0)) wake();
  }

  #maybeRetire(): void {
    if (this.#retiring && !this.#stopped && this.#requests.size === 0) void this.stop(this.#retiring.reason);
  }

  #keepAlive(): void {
    this.#worker?.keepAlive?.(!this.#stopped && (!this.#loaded || this.#requests.size > 0));
  }

  #post(message: HostMessage): void {
    try {
      this.#worker?.postMessage(message);
    } catch {
      // Only values the host chose travel here (ids, errors made cloneable); a stopped worker drops them.
    }
  }

  /** The worker stopped by itself: a crash or an exit. */
  #lost(what: string, cause: unknown): void {
    if (this.#stopped) return;
    const { id, details } = this.#init;
    if (!this.#loaded) {
      void this.stop(new PluginLoadError(`${id}: the worker ${what} while loading the module`, { ...details, cause }));
      return;
    }
    const error = new PluginExecutionError(`${id}: the worker ${what}`, { ...details, cause });
    losses.add(error);
    void this.stop(error);
    this.#init.onCrash(error);
  }

  #receive(data: unknown): void {
    if (this.#stopped || !isMessage(data)) return;
    const message = data as WorkerMessage;
    if (message.type === 'ready') {
      if (this.#loaded) return;
      this.#loaded = true;
      clearTimeout(this.#loadTimer);
      this.#settleReady.resolve(message.hooks);
      this.#keepAlive();
    } else if (message.type === 'error') {
      if (this.#loaded) return;
      const error = fromWireError(message.error);
      const { id, details } = this.#init;
      const failure =
        error instanceof PluginLoadError
          ? error
          : new PluginLoadError(`${id}: loading failed in the worker: ${describeError(error)}`, { ...details, cause: error });
      void this.stop(failure);
    } else if (message.type === 'done') {
      const pending = this.#requests.get(message.id);
      if (!pending) return;
      this.#requests.delete(message.id);
      clearTimeout(pending.grace);
      this.#settleAbandoned(message.id);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(fromWireError(message.error));
      this.#keepAlive();
      this.#maybeRetire();
    } else if (this.#answers.handle(message)) {
      return;
    } else if (message.type === 'log') {
      if (isLogLevel(message.level)) this.#init.onLog(message.level, Array.isArray(message.args) ? message.args : [message.args]);
    }
  }
}
