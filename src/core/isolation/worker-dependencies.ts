/**
 * `ctx.plugins` inside a plugin's worker (worker-runtime.ts): each request
 * carries the dependencies its call may use — the version and the shape of
 * the exported `api` of each one the plugin declares, or why it cannot be
 * used. `get(name)` rebuilds that shape with stubs whose calls become
 * `plugin-call` messages; `execute(name, init)` becomes a `plugin-execute`
 * with the earlier deadline of the caller and `init.timeoutMs`, and a
 * `plugin-cancel` when its signal aborts. Undeclared names are refused here
 * and again by the host, which also refuses what arrives for a request that
 * has ended.
 */
import type { ContextPlugin } from '../plugin/context.js';
import type { DependencyProvider } from '../plugin/dependencies.js';
import { UsageError, type ErrorDetails } from '../errors/index.js';
import { hostApiStubs, hostPath } from './host-api.js';
import type { WireDependencies, WorkerMessage } from './protocol.js';
import { raceSignal } from './signals.js';
import { fromWireError, toWireError } from './wire-error.js';

/** Posts a message the host answers with `host-result`; `what` names the call in a clone error. */
export type AskHost = (make: (id: number) => WorkerMessage, what: string) => { id: number; promise: Promise<unknown> };

/** What the `ctx.plugins` of one request needs from the worker runtime. */
export interface WorkerDependenciesInit {
  /** The id of the request (the call) the dependencies belong to. */
  call: number;
  /** The dependencies the host described for it. */
  shapes: WireDependencies | undefined;
  plugin: ContextPlugin | undefined;
  askHost: AskHost;
  post(message: WorkerMessage): void;
}

/** `ctx.plugins` for one request: the dependencies the host described for it, usable until `end()`. */
export function workerDependencies(init: WorkerDependenciesInit): { provider: DependencyProvider; end(): void } {
  const { call, shapes, plugin, askHost, post } = init;
  const who = () => (plugin ? `${plugin.name}@${plugin.version}` : 'plugin');
  const details = (): ErrorDetails => (plugin ? { plugin: plugin.name, version: plugin.version } : {});
  let ended = false;
  const apis = new Map<string, unknown>();
  const declared = (plugin?.dependencies ?? {}) as Record<string, string>;
  function described(name: string, what: string) {
    const shape = typeof name === 'string' && Object.hasOwn(declared, name) ? shapes?.[name] : undefined;
    if (!shape) {
      const list = Object.keys(declared).join(', ') || 'none';
      throw new UsageError(`${who()}: ${what}: ${String(name)} is not among the dependencies ${who()} declares (${list})`, details());
    }
    if (ended) throw new UsageError(`${who()}: ${what}(${JSON.stringify(name)}) after the call it belongs to ended`, details());
    if ('error' in shape) throw fromWireError(shape.error);
    return shape;
  }
  const provider: DependencyProvider = {
    get(name) {
      const shape = described(name, 'ctx.plugins.get');
      if (apis.has(name)) return apis.get(name);
      if (!shape.api)
        throw new UsageError(
          `${who()}: ctx.plugins.get(${JSON.stringify(name)}): ${name}@${shape.version} exports no api (export const api = { … })`,
          details(),
        );
      const root = `ctx.plugins.get(${JSON.stringify(name)})`;
      const api = hostApiStubs(shape.api, (path, args) => {
        if (ended)
          return Promise.reject(
            new UsageError(
              `${who()}: the API of ${name}@${shape.version} was used after the call that got it ended; call ctx.plugins.get in each call`,
              details(),
            ),
          );
        return askHost((id) => ({ type: 'plugin-call', id, call, name, path, args }), `${hostPath(path, root)}()`).promise;
      });
      apis.set(name, api);
      return api;
    },
    async execute(name, init, caller) {
      described(name, 'ctx.plugins.execute');
      if (typeof init !== 'object' || init === null)
        throw new UsageError(`${who()}: ctx.plugins.execute(${JSON.stringify(name)}, init): init must be an object`, details());
      const own = init.timeoutMs === undefined ? undefined : Date.now() + init.timeoutMs;
      const deadline = caller.deadline === undefined ? own : own === undefined ? caller.deadline : Math.min(caller.deadline, own);
      const signal = init.signal ? AbortSignal.any([caller.signal, init.signal]) : caller.signal;
      signal.throwIfAborted();
      const sent = askHost(
        (id) => ({
          type: 'plugin-execute',
          id,
          call,
          name,
          ...(init.values !== undefined ? { values: init.values } : {}),
          ...(deadline !== undefined ? { deadline } : {}),
          ...(init.label !== undefined ? { label: init.label } : {}),
        }),
        `ctx.plugins.execute(${JSON.stringify(name)})`,
      );
      const onAbort = () => post({ type: 'plugin-cancel', id: sent.id, reason: toWireError(signal.reason) });
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        return await raceSignal(sent.promise, signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
  return {
    provider,
    end: () => {
      ended = true;
      apis.clear();
    },
  };
}
