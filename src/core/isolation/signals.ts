/**
 * Signal plumbing shared by both sides of plugin isolation: racing work
 * against an AbortSignal, and the contexts of the calls on one version
 * (in-process or isolated), which follow the caller's signal and abort
 * together when the version closes.
 */
import { createContext, type ContextPlugin, type PluginContext } from '../plugin/index.js';
import type { ExecuteInit } from '../plugin/index.js';
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

  constructor(root: PluginContext<Api>, plugin: ContextPlugin, links?: DependencyLinks) {
    this.#root = root;
    this.#plugin = plugin;
    this.#links = links;
  }

  /** A context for one call; `dispose` detaches it from the caller's signal and releases it (and its dependencies). */
  open(init: ExecuteInit = {}): { ctx: PluginContext<Api>; dispose: () => void; dependencies: CallDependencies | undefined } {
    const root = this.#root;
    const dependencies = this.#links?.open();
    const ctx = createContext<Api>({
      host: root.host,
      log: root.log,
      plugin: this.#plugin,
      ...(dependencies ? { plugins: dependencies.provider } : {}),
      ...(init.values !== undefined ? { values: init.values } : {}),
      ...(init.timeoutMs !== undefined ? { timeoutMs: init.timeoutMs } : {}),
      ...(init.label !== undefined ? { label: init.label } : {}),
      ...(init.request !== undefined ? { request: init.request } : {}),
    });
    if (root.signal.aborted) ctx.cancel(root.signal.reason);
    else this.#open.add(ctx);
    const caller = init.signal;
    const onAbort = () => ctx.cancel(caller!.reason);
    if (caller?.aborted) onAbort();
    else caller?.addEventListener('abort', onAbort, { once: true });
    return {
      ctx,
      dependencies,
      dispose: () => {
        caller?.removeEventListener('abort', onAbort);
        this.#open.delete(ctx);
        ctx.cancel();
        dependencies?.release();
      },
    };
  }

  /** Aborts the root and every open call with `reason` (the version closed). */
  cancelAll(reason: unknown): void {
    this.#root.cancel(reason);
    for (const ctx of this.#open) ctx.cancel(reason);
    this.#open.clear();
  }
}
