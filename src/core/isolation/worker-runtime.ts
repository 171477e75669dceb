/**
 * The worker side of plugin isolation: `runPluginWorker(port)` answers the
 * host's messages (protocol.ts) inside a worker. It imports the plugin from
 * the bytes the host sent (through a `blob:` or `data:` URL, as the spawner
 * says), checks its shape with pluginFromModule, and runs execute, activate
 * and deactivate each with a real PluginContext from createContext: values
 * and state arrive as structured clones, the deadline and label as the host
 * computed them, `ctx.host` has the shape of the host's API with stubs whose
 * calls become `host-call` messages, `ctx.plugins` reaches the dependencies
 * the request carries (`plugin-call`, `plugin-execute`; refused once the
 * request has ended), an `api-call` calls the plugin's own exported `api`,
 * `ctx.log` is forwarded, a `fetch` (a route call) gets its Request back
 * from data and sends its Response back as data (routes/wire.ts), and a `cancel` message aborts the call's
 * signal with the host's reason. Answers race the signal, so a call whose
 * context aborts is answered at once even when the plugin ignores the abort;
 * only a worker whose event loop is blocked stays silent (and the host then
 * terminates it).
 *
 * This file is bundled with its imports into one script
 * (scripts/build-worker-runtime.mjs → runtime-source.ts) that the spawners
 * start; a host with its own worker file may call runPluginWorker directly.
 */
import { createContext, type ContextPlugin, type Logger, type PluginContext } from '../plugin/context.js';
import { PluginExecutionError, UsageError, type ErrorDetails } from '../errors/index.js';
import { importFailure, type ModuleLabel, moduleBlobUrl, moduleDataUrl } from '../plugin/loader.js';
import { pluginFromModule, type PluginDefinition } from '../plugin/definition.js';
import type { ModuleNamespace } from '../ports.js';
import { callHostApi, describeHostApi, hostApiStubs, hostPath } from './host-api.js';
import { isMessage, type HostMessage, type LogLevel, type WorkerMessage } from './protocol.js';
import { workerDependencies, type AskHost } from './worker-dependencies.js';
import { raceSignal } from './signals.js';
import type { WorkerModuleScheme, WorkerPort } from './types.js';
import { describeError, fromWireError, toWireError } from './wire-error.js';
import { requestFromWire, responseToWire } from '../routes/wire.js';
import { toResponse } from '../routes/respond.js';

type LoadMessage = Extract<HostMessage, { type: 'load' }>;

const PROBE = new TextEncoder().encode('export const plughubProbe = true;\n');

/**
 * Imports `bytes` through a URL of `scheme`, labelled (when `label` is given)
 * so that stack traces name the plugin; a blob: URL is revoked once the import settles.
 */
async function importVia(scheme: WorkerModuleScheme, bytes: Uint8Array, label?: ModuleLabel): Promise<ModuleNamespace> {
  if (scheme === 'data') {
    return (await import(/* @vite-ignore */ moduleDataUrl(bytes, label))) as ModuleNamespace;
  }
  const url = moduleBlobUrl(bytes, label);
  try {
    return (await import(/* @vite-ignore */ url)) as ModuleNamespace;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The first scheme the worker may import from (probed with a one-line module); the last one untried. */
async function chooseScheme(schemes: readonly WorkerModuleScheme[]): Promise<WorkerModuleScheme> {
  for (const scheme of schemes.slice(0, -1)) {
    try {
      if ((await importVia(scheme, PROBE)).plughubProbe === true) return scheme;
    } catch {
      // Refused (a Content-Security-Policy, a runtime without blob: modules): try the next one.
    }
  }
  return schemes.at(-1) ?? 'data';
}

/** Starts answering the host's messages on `port`. Call it once, at the top of the worker. */
export function runPluginWorker(port: WorkerPort): void {
  let plugin: ContextPlugin | undefined;
  let definition: PluginDefinition | undefined;
  let root: PluginContext | undefined;
  let loading: Promise<void> | undefined;
  let loaded = false;
  const running = new Map<number, PluginContext>();
  const hostCalls = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  let nextHostCall = 0;

  const post = (message: WorkerMessage) => port.postMessage(message);
  const who = () => (plugin ? `${plugin.name}@${plugin.version}` : 'plugin');
  const details = (): ErrorDetails => (plugin ? { plugin: plugin.name, version: plugin.version } : {});

  /** Posts a message the host answers with `host-result`; `what` names the call in a clone error. */
  const askHost: AskHost = (make, what) => {
    const id = ++nextHostCall;
    const promise = new Promise((resolve, reject) => {
      try {
        post(make(id));
      } catch (error) {
        const reason = `its arguments cannot be sent to the host (only structured-clone values cross, no functions): ${describeError(error)}`;
        reject(new UsageError(`${who()}: ${what}: ${reason}`, { ...details(), cause: error }));
        return;
      }
      hostCalls.set(id, { resolve, reject });
    });
    return { id, promise };
  };
  const callHost = (path: string[], args: unknown[]): Promise<unknown> =>
    askHost((id) => ({ type: 'host-call', id, path, args }), `${hostPath(path)}()`).promise;

  /** ctx.host: stubs in the shape of the host's API (set on load). */
  let host: unknown;

  const forward =
    (level: LogLevel) =>
    (...args: unknown[]) => {
      try {
        post({ type: 'log', level, args });
      } catch {
        post({ type: 'log', level, args: args.map((arg) => (typeof arg === 'object' && arg !== null ? describeError(arg) : String(arg))) });
      }
    };
  const log: Logger = { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };

  async function load(message: LoadMessage): Promise<void> {
    plugin = message.plugin;
    host = hostApiStubs(message.api, callHost);
    const source = { name: plugin.name, version: plugin.version, integrity: message.integrity, bytes: message.bytes };
    try {
      let namespace: ModuleNamespace;
      try {
        namespace = await importVia(await chooseScheme(message.schemes), message.bytes, source);
      } catch (error) {
        throw importFailure(source, undefined, error);
      }
      definition = pluginFromModule(namespace, details());
      root = createContext({ host, log, plugin });
      const api = describeHostApi(definition.api);
      post({ type: 'ready', hooks: { activate: !!definition.activate, deactivate: !!definition.deactivate, ...(api ? { api } : {}) } });
    } catch (error) {
      post({ type: 'error', error: toWireError(error) });
    } finally {
      loaded = true;
    }
  }

  /** Runs one request with its own context and posts the answer; `end` runs once it has settled. */
  async function respond(id: number, hook: string, makeContext: () => PluginContext, run: (ctx: PluginContext) => unknown, end?: () => void) {
    let ctx: PluginContext | undefined;
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      const own = makeContext();
      ctx = own;
      running.set(id, own);
      const work = Promise.resolve().then(() => {
        own.throwIfAborted();
        return run(own);
      });
      outcome = { ok: true, value: await raceSignal(work, own.signal) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      running.delete(id);
      ctx?.cancel();
      end?.();
    }
    if (outcome.ok) {
      try {
        post({ type: 'done', id, ok: true, value: outcome.value });
        return;
      } catch (error) {
        const message = `${who()}: ${hook} returned a value that cannot be sent to the host (only structured-clone values cross): ${describeError(error)}`;
        outcome = { ok: false, error: new PluginExecutionError(message, { ...details(), cause: error }) };
      }
    }
    post({ type: 'done', id, ok: false, error: toWireError(outcome.error) });
  }

  function handle(message: HostMessage): void {
    if (message.type === 'load') {
      loading ??= load(message);
      return;
    }
    if (message.type === 'cancel') {
      running.get(message.id)?.cancel(fromWireError(message.reason));
      return;
    }
    if (message.type === 'host-result') {
      const pending = hostCalls.get(message.id);
      hostCalls.delete(message.id);
      if (message.ok) pending?.resolve(message.value);
      else pending?.reject(fromWireError(message.error));
      return;
    }
    const hooks = definition;
    const base = root;
    if (!hooks || !base) {
      // A request sent while the module is still importing waits for it (requests arrive in order).
      if (loading && !loaded) {
        void loading.then(() => handle(message));
        return;
      }
      const error = new UsageError(`${who()}: ${message.type}: the plugin is not loaded in this worker`, details());
      post({ type: 'done', id: message.id, ok: false, error: toWireError(error) });
      return;
    }
    if (message.type === 'api-call') {
      const { path, args } = message;
      void respond(
        message.id,
        'api',
        () => base.withValues({}),
        () => {
          if (!hooks.api) throw new UsageError(`${who()} exports no api (export const api = { … })`, details());
          return callHostApi(hooks.api, path, Array.isArray(args) ? args : [], `${who()} api`);
        },
      );
      return;
    }
    const { provider, end } = workerDependencies({ call: message.id, shapes: message.plugins, plugin, askHost, post });
    if (message.type === 'execute') {
      const init = {
        signal: base.signal,
        host,
        log,
        plugin,
        plugins: provider,
        ...(message.values !== undefined ? { values: message.values } : {}),
        ...(message.deadline !== undefined ? { deadline: message.deadline } : {}),
        ...(message.label !== undefined ? { label: message.label } : {}),
      };
      void respond(
        message.id,
        'execute',
        () => createContext(init),
        (ctx) => hooks.execute(ctx),
        end,
      );
    } else if (message.type === 'fetch') {
      const { request: wire, label, params, maxBodyBytes } = message;
      const aborts = new AbortController();
      const request = requestFromWire(wire, aborts.signal);
      const values = { params, query: new URL(wire.url).searchParams };
      const init = {
        signal: base.signal,
        host,
        log,
        plugin,
        plugins: provider,
        values,
        label,
        request,
        ...(message.deadline !== undefined ? { deadline: message.deadline } : {}),
      };
      void respond(
        message.id,
        label,
        () => {
          const ctx = createContext(init);
          ctx.signal.addEventListener('abort', () => aborts.abort(ctx.signal.reason), { once: true });
          return ctx;
        },
        async (ctx) => {
          const result = await (hooks.fetch ? hooks.fetch(request, ctx) : hooks.execute(ctx));
          try {
            return await responseToWire(toResponse(result), maxBodyBytes, details());
          } catch (error) {
            throw new PluginExecutionError(`${who()}: ${label}: ${describeError(error)}`, { ...details(), cause: error });
          }
        },
        end,
      );
    } else if (message.type === 'activate') {
      void respond(
        message.id,
        'activate',
        () => createContext({ signal: base.signal, host, log, plugin, plugins: provider }),
        (ctx) => hooks.activate?.(ctx, message.state),
        end,
      );
    } else if (message.type === 'deactivate') {
      const init = { host, log, plugin, plugins: provider, deadline: message.deadline, label: 'deactivate' };
      void respond(
        message.id,
        'deactivate',
        () => createContext(init),
        (ctx) => hooks.deactivate?.(ctx),
        end,
      );
    }
  }

  port.addEventListener('message', (event) => {
    const message = event.data;
    if (isMessage(message)) handle(message as HostMessage);
  });
}
