/**
 * Signal plumbing shared by both sides of plugin isolation: racing work
 * against an AbortSignal, and the host-side context of one call, which
 * follows the instance's root context (unload) and the caller's signal.
 */
import { createContext, type ContextPlugin, type PluginContext } from '../context.js';
import type { ExecuteInit } from '../host-instance.js';

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
 * A context for one call, child of `root`, that also aborts when the
 * caller's signal does (with its reason). `dispose` detaches from that
 * signal and releases the context.
 */
export function callContext(root: PluginContext, plugin: ContextPlugin, init: ExecuteInit): { ctx: PluginContext; dispose: () => void } {
  const ctx = createContext({
    signal: root.signal,
    plugin,
    ...(init.values !== undefined ? { values: init.values } : {}),
    ...(init.timeoutMs !== undefined ? { timeoutMs: init.timeoutMs } : {}),
    ...(init.label !== undefined ? { label: init.label } : {}),
  });
  const caller = init.signal;
  if (!caller) return { ctx, dispose: () => ctx.cancel() };
  const onAbort = () => ctx.cancel(caller.reason);
  if (caller.aborted) onAbort();
  else caller.addEventListener('abort', onAbort, { once: true });
  return {
    ctx,
    dispose: () => {
      caller.removeEventListener('abort', onAbort);
      ctx.cancel();
    },
  };
}
