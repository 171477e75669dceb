/**
 * Signal plumbing shared by both sides of plugin isolation: racing work
 * against an AbortSignal or a call's context, and the contexts of the calls
 * on one version (in-process or isolated), which follow the caller's signal
 * and abort together when the version closes. None of it makes a context's
 * AbortSignal: that is made only if the plugin reads `ctx.signal`.
 */
import { contextAbortState, createContext, type ContextPlugin, type PluginContext, type SignalSource } from '../plugin/index.js';
import type { ExecuteInit } from '../plugin/index.js';
import { CancelledError } from '../errors/index.js';
import type { CallDependencies, DependencyLinks } from './types.js';

/**
 * Runs `work` and rejects as soon as `signal` aborts (with its reason),
 * whichever comes first.
 */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Runs `work` and rejects as soon as `ctx` aborts (with its reason),
 * whichever comes first, without making the context's AbortSignal.
 */
export function raceContext<T>(work: Promise<T>, ctx: PluginContext<unknown>): Promise<T> {
  const state = contextAbortState(ctx);
  if (!state) return raceSignal(work, ctx.signal);
  return new Promise<T>((resolve, reject) => {
    state.listen(reject);
    work.then(
      (value) => {
        state.unlisten(reject);
        resolve(value);
      },
      (error: unknown) => {
        state.unlisten(reject);
        reject(error);
      },
    );
  });
}

/** Makes `ctx` abort with `signal`'s reason once it aborts (lazily for a context of createContext). */
function followSignal(ctx: PluginContext<unknown>, signal: AbortSignal): void {
  const state = contextAbortState(ctx);
  if (state) state.follow(signal);
  else if (signal.aborted) ctx.cancel(signal.reason);
  else signal.addEventListener('abort', () => ctx.cancel(signal.reason), { once: true });
}

/** Makes `ctx` follow the signal of `source`, which a context of createContext reads only once someone listens to the context. */
function followSource(ctx: PluginContext<unknown>, source: SignalSource): void {
  const state = contextAbortState(ctx);
  if (state) state.followSource(source);
  else followSignal(ctx, source.signal);
}

/**
 * The open call contexts of one plugin version. A call's context has the
 * root's host API and logger, aborts when the caller's signal does (with its
 * reason), and aborts with the root's reason when the version closes. The
 * open contexts are kept in a set and cancelled by `cancelAll`, rather than
 * each listening to the root signal, so that many concurrent calls do not
 * pile listeners onto one AbortSignal. With `links`, each call gets the
 * dependencies of its own (`ctx.plugins`), released when it ends.
 */
export class CallContexts<Api = unknown> {
  readonly #open = new Set<PluginContext<Api>>();
  readonly #root: PluginContext<Api>;
  readonly #plugin: ContextPlugin;

  readonly #links: DependencyLinks | undefined;
  /** The reason a call's context aborts with once the call has ended: one error for every call, as building one per call costs a stack trace each. */
  #ended: CancelledError | undefined;

  constructor(root: PluginContext<Api>, plugin: ContextPlugin, links?: DependencyLinks) {
    this.#root = root;
    this.#plugin = plugin;
    this.#links = links;
  }

  /**
   * A context for one call; `dispose` detaches it from the caller's signal and releases it (and its dependencies).
   * Without `init.signal`, the context follows the signal of `signalSource` (a route call's Request), read only once someone listens to the context.
   */
  open(init: ExecuteInit = {}, signalSource?: SignalSource): { ctx: PluginContext<Api>; dispose: () => void; dependencies: CallDependencies | undefined } {
    const root = this.#root;
    const dependencies = this.#links?.open();
    const closed = contextAbortState(root)?.aborted ?? root.signal.aborted;
    const ctx = createContext<Api>({
      host: root.host,
      log: root.log,
      plugin: this.#plugin,
      plugins: dependencies?.provider,
      values: init.values,
      timeoutMs: init.timeoutMs,
      label: init.label,
      request: init.request,
    });
    if (closed) ctx.cancel(root.signal.reason);
    else {
      this.#open.add(ctx);
      // The context follows the caller's signal, listening to it only once someone listens to the context (at the latest until dispose).
      if (init.signal) followSignal(ctx, init.signal);
      else if (signalSource) followSource(ctx, signalSource);
    }
    return {
      ctx,
      dependencies,
      dispose: () => {
        this.#open.delete(ctx);
        ctx.cancel((this.#ended ??= this.#callEnded()));
        dependencies?.release();
      },
    };
  }

  #callEnded(): CancelledError {
    const { name, version } = this.#plugin;
    return new CancelledError(`${name}@${version}: the call ended`, { plugin: name, version });
  }

  /** Aborts the root and every open call with `reason` (the version closed). */
  cancelAll(reason: unknown): void {
    this.#root.cancel(reason);
    for (const ctx of this.#open) ctx.cancel(reason);
    this.#open.clear();
  }
}
