/**
 * PluginContext: Go's `context.Context` and `ValueContext` in web-standard
 * terms. A context carries string-keyed values (a child sees its parent's
 * values and may shadow them), an AbortSignal that aborts on `cancel()`, on
 * its deadline or when its parent aborts, and the plugin's manifest, the host
 * API and a logger. `signal.reason` says why: a CancelledError, a
 * DeadlineExceededError, or the parent's own reason unchanged (so an
 * UnloadedError set on a plugin's root context reaches every child).
 *
 * `ctx.plugins` reaches the plugins the context's plugin declares in its
 * `dependencies` (the host supplies a DependencyProvider; a context without
 * one refuses every name).
 *
 * A child listens to its parent's signal until it aborts itself; call
 * `cancel()` on a child you are done with to release it early (Go's
 * `defer cancel()`), which matters under a long-lived parent. A context
 * makes its AbortSignal only when it is read (abort-state.ts): a call whose
 * plugin never looks at `ctx.signal` never pays for one.
 */
import { CancelledError, DeadlineExceededError, UsageError } from '../errors/index.js';
import { AbortState } from './abort-state.js';
import { silentLogger } from './logger.js';
import { refusingProvider, type DependencyProvider, type ExecuteInit, type PluginDependencies } from './dependencies.js';

export { prefixedLogger, silentLogger } from './logger.js';
export type { SignalSource } from './abort-state.js';

/** A console-like logger; `ctx.log` is scoped to the plugin. */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** The manifest of the plugin a context belongs to (plugin.json as published). */
export type ContextPlugin = { name: string; version: string; [key: string]: unknown };

/** What a plugin receives: values, cancellation, its manifest, the host API and a logger. */
export interface PluginContext<Api = unknown> {
  /** Looks a value up on this context, then on its ancestors. */
  get<T = unknown>(key: string): T | undefined;
  /** Sets a value on this context only; it shadows the same key of an ancestor. */
  set(key: string, value: unknown): void;
  /** True when this context or an ancestor holds `key` (also with the value `undefined`). */
  has(key: string): boolean;
  /** Aborts on `cancel()`, on the deadline, or when the parent aborts; `reason` says which. */
  readonly signal: AbortSignal;
  /** Epoch ms after which the signal aborts; a child's deadline is min(parent's, own). */
  readonly deadline?: number;
  /** The HTTP route label this call serves, when it serves one. */
  readonly label?: string;
  /** The HTTP request this call answers, when a route of the plugin matched it (`host.fetch`). */
  readonly request?: Request;
  /** The plugin's own manifest. */
  readonly plugin?: ContextPlugin;
  /** The API object the host offers to plugins. */
  readonly host: Api;
  /** A logger scoped to the plugin. */
  readonly log: Logger;
  /** The plugins this plugin declares in its `dependencies`: their exported API and their entry. */
  readonly plugins: PluginDependencies;
  /** Aborts this context and its children with `reason`, or a CancelledError when none is given. */
  cancel(reason?: unknown): void;
  /** A child that inherits everything and adds (or shadows) `values`; the parent is not changed. */
  withValues(values: Record<string, unknown>): PluginContext<Api>;
  /** A child whose deadline is `ms` from now, or the parent's when that is earlier. */
  withTimeout(ms: number): PluginContext<Api>;
  /** Throws `signal.reason` when the signal has aborted. */
  throwIfAborted(): void;
}

/** What `createContext` needs; everything is optional. */
export interface ContextInit<Api = unknown> {
  values?: Record<string, unknown> | Map<string, unknown>;
  /** An outside signal the context follows, aborting with its reason. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Epoch ms; with `timeoutMs` too, the earlier one wins. */
  deadline?: number;
  label?: string;
  /** The HTTP request the context's call answers. */
  request?: Request;
  host?: Api;
  /** Default: silentLogger. */
  log?: Logger;
  plugin?: ContextPlugin;
  /** What backs `ctx.plugins` (default: every name refused). */
  plugins?: DependencyProvider;
}

/** The longest delay setTimeout accepts; longer deadlines re-arm the timer. */
const MAX_TIMER_MS = 2_147_483_647;

const noop = (): void => {};

/**
 * Creates a root context.
 * @example
 * const ctx = createContext({ values: { user: 'ada' }, timeoutMs: 5000, host: api });
 * await fetch(url, { signal: ctx.signal });
 */
export function createContext<Api = unknown>(init: ContextInit<Api> = {}): PluginContext<Api> {
  const values = new Map<string, unknown>();
  const entries = init.values instanceof Map ? init.values : Object.entries(init.values ?? {});
  for (const [key, value] of entries) values.set(checkKey(key), value);
  let deadline = init.deadline;
  let timeoutMs: number | undefined;
  if (init.timeoutMs !== undefined) {
    timeoutMs = checkMs(init.timeoutMs, 'timeoutMs');
    deadline = minDeadline(deadline, Date.now() + timeoutMs);
  }
  if (deadline !== undefined && !Number.isFinite(deadline)) {
    throw new UsageError(`createContext: deadline must be a finite epoch ms, got ${String(deadline)}`);
  }
  return new Context<Api>({
    values,
    parentSignal: init.signal,
    deadline,
    timerDeadline: deadline,
    // Name the timeout in a DeadlineExceededError only when it, not init.deadline, set the deadline.
    timeoutMs: deadline === init.deadline ? undefined : timeoutMs,
    label: init.label,
    request: init.request,
    plugin: init.plugin,
    host: init.host as Api,
    log: init.log ?? silentLogger,
    plugins: init.plugins,
  });
}

interface ContextState<Api> {
  parent?: Context<Api>;
  values: Map<string, unknown>;
  parentSignal: AbortSignal | undefined;
  /** The effective deadline: min(parent's, own). */
  deadline: number | undefined;
  /** The deadline this context enforces itself; undefined when the parent's comes first. */
  timerDeadline: number | undefined;
  /** The duration named in a DeadlineExceededError; computed from the deadline when absent. */
  timeoutMs: number | undefined;
  label: string | undefined;
  request: Request | undefined;
  plugin: ContextPlugin | undefined;
  host: Api;
  log: Logger;
  plugins: DependencyProvider | undefined;
}

class Context<Api> implements PluginContext<Api> {
  readonly deadline: number | undefined;
  readonly label: string | undefined;
  readonly request: Request | undefined;
  readonly plugin: ContextPlugin | undefined;
  readonly host: Api;
  readonly log: Logger;
  readonly #provider: DependencyProvider | undefined;
  readonly #parent: Context<Api> | undefined;
  readonly #values: Map<string, unknown>;
  readonly #state = new AbortState();
  #plugins: PluginDependencies | undefined;
  #release: () => void = noop;

  constructor(state: ContextState<Api>) {
    this.#parent = state.parent;
    this.#values = state.values;
    this.deadline = state.deadline;
    this.label = state.label;
    this.request = state.request;
    this.plugin = state.plugin;
    this.host = state.host;
    this.log = state.log;
    this.#provider = state.plugins;

    const parentSignal = state.parentSignal;
    if (parentSignal?.aborted) {
      this.#abort(parentSignal.reason);
      return;
    }
    if (parentSignal) {
      const onParentAbort = (): void => this.#abort(parentSignal.reason);
      parentSignal.addEventListener('abort', onParentAbort, { once: true });
      this.#release = () => parentSignal.removeEventListener('abort', onParentAbort);
    }
    if (state.timerDeadline !== undefined) {
      const ms = state.timeoutMs ?? Math.max(0, Math.round(state.timerDeadline - Date.now()));
      this.#arm(state.timerDeadline, ms);
    }
  }

  get signal(): AbortSignal {
    return this.#state.signal;
  }

  get plugins(): PluginDependencies {
    if (this.#plugins === undefined) {
      const provider = this.#provider ?? refusingProvider(this.#who(), this.plugin);
      this.#plugins = {
        get: <T>(name: string) => provider.get(name, this) as T,
        execute: <T>(name: string, init: ExecuteInit = {}) => provider.execute(name, init, this) as Promise<T>,
      };
    }
    return this.#plugins;
  }

  /** The abort state of a context of createContext (onContextAbort and its siblings read it). */
  static abortState(ctx: Context<unknown>): AbortState {
    return ctx.#state;
  }

  get<T = unknown>(key: string): T | undefined {
    checkKey(key);
    if (this.#values.has(key)) return this.#values.get(key) as T;
    return this.#parent?.get<T>(key);
  }

  set(key: string, value: unknown): void {
    this.#values.set(checkKey(key), value);
  }

  has(key: string): boolean {
    checkKey(key);
    return this.#values.has(key) || (this.#parent?.has(key) ?? false);
  }

  cancel(reason?: unknown): void {
    if (this.#state.aborted) return;
    this.#abort(reason === undefined ? new CancelledError(`${this.#who()}: context cancelled`, this.#details()) : reason);
  }

  withValues(values: Record<string, unknown>): PluginContext<Api> {
    if (typeof values !== 'object' || values === null) {
      throw new UsageError(`${this.#who()}: withValues needs an object of values`);
    }
    return this.#child(new Map(Object.entries(values)), undefined);
  }

  withTimeout(ms: number): PluginContext<Api> {
    checkMs(ms, 'withTimeout');
    return this.#child(new Map(), ms);
  }

  throwIfAborted(): void {
    if (this.#state.aborted) throw this.#state.reason;
  }

  #child(values: Map<string, unknown>, timeoutMs: number | undefined): Context<Api> {
    const own = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const deadline = minDeadline(this.deadline, own);
    return new Context<Api>({
      parent: this,
      values,
      parentSignal: this.signal,
      deadline,
      // The parent aborts at its own deadline and the child follows; a timer is needed only when ours is earlier.
      timerDeadline: own !== undefined && (this.deadline === undefined || own < this.deadline) ? own : undefined,
      timeoutMs,
      label: this.label,
      request: this.request,
      plugin: this.plugin,
      host: this.host,
      log: this.log,
      plugins: this.#provider,
    });
  }

  #arm(deadline: number, ms: number): void {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const message = `${this.#who()}: deadline exceeded after ${ms} ms`;
      this.#abort(new DeadlineExceededError(message, deadline, this.#details()));
      return;
    }
    this.#state.setTimer(setTimeout(() => this.#arm(deadline, ms), Math.min(remaining, MAX_TIMER_MS)));
  }

  #abort(reason: unknown): void {
    if (this.#state.aborted) return;
    this.#release();
    this.#release = noop;
    this.#state.abort(reason);
  }

  #who(): string {
    const who = this.plugin ? `${this.plugin.name}@${this.plugin.version}` : 'context';
    return this.label === undefined ? who : `${who} (${this.label})`;
  }

  #details(): { plugin?: string; version?: string } {
    return this.plugin ? { plugin: this.plugin.name, version: this.plugin.version } : {};
  }
}

/**
 * The abort state of `ctx`: for a context of createContext its own, which
 * tells whether and why it aborted and calls listeners without making an
 * AbortSignal (the host's call machinery uses it, so that a call whose
 * plugin never reads `ctx.signal` never pays for one); for any other
 * PluginContext, undefined (use its signal).
 */
export function contextAbortState(ctx: PluginContext<unknown>): AbortState | undefined {
  return ctx instanceof Context ? Context.abortState(ctx) : undefined;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') {
    throw new UsageError(`context keys are strings, got ${typeof key}`);
  }
  return key;
}

function checkMs(ms: unknown, what: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new UsageError(`${what}: expected a finite number of ms >= 0, got ${String(ms)}`);
  }
  return ms;
}

function minDeadline(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
