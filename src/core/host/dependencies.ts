/**
 * `ctx.plugins` on the host side: what one call of a plugin may use of the
 * plugins it declares in its `dependencies`, and nothing else.
 *
 * - Only declared names: any other is refused with a UsageError naming both
 *   plugins. A dependency must be loaded at a version its declared range
 *   accepts (the host loaded it so, and refuses upgrades that would break
 *   it: table.ts, `breakingDependents`).
 * - `get(name)` pins the version serving `name` for the rest of the call (it
 *   counts as a call in flight on that version, so an upgrade lets it
 *   finish) and returns its exported `api`: the object itself behind a
 *   `ctx.host`-style scope (api-scope.ts) when both run in the host's realm,
 *   else stubs whose calls cross as structured clones (isolation/host-api.ts).
 *   Each call gets its own scope; when the call ends the scope is released
 *   (callbacks silenced, registrations undone) and its API refuses further
 *   calls, so no reference to either plugin outlives the call.
 * - `execute(name, init)` runs the version serving `name` now, as
 *   `host.execute` does, with `init.values`, a signal joining the caller's
 *   and `init.signal`, and the earlier of the caller's deadline and
 *   `init.timeoutMs`.
 * - For a call running in a worker, `describe()` pins every declared
 *   dependency at the call's start and `call()` serves its API calls.
 */
import { NotLoadedError, PluginLoadError, UnloadedError, UsageError } from '../errors/index.js';
import { hostApiStubs, type CallDependencies, type DependencyLinks, type DependencyShape, type LoadedInstance } from '../isolation/index.js';
import type { DependencyCaller, DependencyProvider, ExecuteInit, Manifest } from '../plugin/index.js';
import { createApiScope, type ApiScope } from './api-scope.js';
import type { PluginTable } from './table.js';

/** What the links of one dependent version need from the host. */
export interface DependencyLinksInit<Api> {
  /** The dependent's manifest: its name, version and `dependencies`. */
  manifest: Manifest;
  table: PluginTable<Api>;
  /** Runs the version serving `name`, as host.execute does. */
  execute(name: string, init: ExecuteInit): Promise<unknown>;
  /** What undoing a registration made through a dependency's API threw. */
  onError(error: unknown): void;
}

/** The dependency links of one plugin version; undefined when it declares no dependencies. */
export function createDependencyLinks<Api>(init: DependencyLinksInit<Api>): DependencyLinks | undefined {
  const declared = init.manifest.dependencies ?? {};
  if (Object.keys(declared).length === 0) return undefined;
  return { open: () => openCall(init, declared) };
}

/** Joins signals: aborts with the first one's reason. */
function joinSignals(signals: AbortSignal[]): AbortSignal {
  return signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
}

function openCall<Api>(init: DependencyLinksInit<Api>, declared: Readonly<Record<string, string>>): CallDependencies {
  const { table, manifest } = init;
  const who = `${manifest.name}@${manifest.version}`;
  const details = { plugin: manifest.name, version: manifest.version };
  const ended = new AbortController();
  const pinned = new Map<string, { instance: LoadedInstance; release: () => void }>();
  const apis = new Map<string, unknown>();
  const scopes: ApiScope<unknown>[] = [];

  /** The range `name` is declared with, or the UsageError of an undeclared name. */
  function rangeOf(name: unknown, what: string): string {
    if (typeof name === 'string' && Object.hasOwn(declared, name)) return declared[name]!;
    const list = Object.keys(declared).join(', ');
    throw new UsageError(`${who}: ${what}: ${String(name)} is not among the dependencies ${who} declares (${list})`, details);
  }

  function assertOpen(name: string, what: string): void {
    if (ended.signal.aborted) throw new UsageError(`${who}: ${what}(${JSON.stringify(name)}) after the call it belongs to ended`, details);
  }

  /** The version serving `name`, which must satisfy the declared `range`. */
  function serving(name: string, range: string): LoadedInstance {
    const entry = table.get(name);
    if (!entry) throw new NotLoadedError(`${who} requires ${name}@${range}: ${name} is not loaded`, details);
    if (!table.satisfies(name, range)) {
      throw new PluginLoadError(`${who} requires ${name}@${range}: ${entry.instance.id} is loaded, which does not satisfy it`, details);
    }
    return entry.instance;
  }

  /** The version of `name` this call uses, pinned (held as a call in flight) on first use. */
  function pin(name: string, range: string): LoadedInstance {
    const existing = pinned.get(name);
    if (existing) return existing.instance;
    const instance = serving(name, range);
    pinned.set(name, { instance, release: instance.hold() });
    return instance;
  }

  /** Refuses a call through a dependency's API once the call ended or the dependency's version closed. */
  function guard(instance: LoadedInstance): void {
    if (ended.signal.aborted) {
      throw new UsageError(`${who}: the API of ${instance.id} was used after the call that got it ended; call ctx.plugins.get in each call`, details);
    }
    if (instance.closed)
      throw new UnloadedError(`${instance.id} is no longer loaded (${who} used its API)`, { plugin: instance.name, version: instance.version });
  }

  function apiOf(name: string, instance: LoadedInstance): unknown {
    const exports = instance.exports;
    if (exports !== undefined) {
      const scope = createApiScope<unknown>(exports, init.onError, { beforeCall: () => guard(instance) });
      scopes.push(scope);
      return scope.api;
    }
    const shape = instance.apiShape;
    if (shape === undefined) {
      throw new UsageError(`${who}: ctx.plugins.get(${JSON.stringify(name)}): ${instance.id} exports no api (export const api = { … })`, details);
    }
    return hostApiStubs(shape, (path, args) => {
      guard(instance);
      return instance.callApi(path, args, ended.signal);
    });
  }

  const provider: DependencyProvider = {
    get(name, _caller) {
      const range = rangeOf(name, 'ctx.plugins.get');
      assertOpen(name, 'ctx.plugins.get');
      if (apis.has(name)) return apis.get(name);
      const api = apiOf(name, pin(name, range));
      apis.set(name, api);
      return api;
    },
    async execute(name, options, caller: DependencyCaller) {
      const range = rangeOf(name, 'ctx.plugins.execute');
      assertOpen(name, 'ctx.plugins.execute');
      if (typeof options !== 'object' || options === null)
        throw new UsageError(`${who}: ctx.plugins.execute(${JSON.stringify(name)}, init): init must be an object`, details);
      serving(name, range);
      const signal = joinSignals(options.signal ? [caller.signal, options.signal] : [caller.signal]);
      const remaining = caller.deadline === undefined ? undefined : Math.max(0, caller.deadline - Date.now());
      const timeoutMs = remaining === undefined ? options.timeoutMs : options.timeoutMs === undefined ? remaining : Math.min(remaining, options.timeoutMs);
      return init.execute(name, {
        ...(options.values !== undefined ? { values: options.values } : {}),
        ...(options.label !== undefined ? { label: options.label } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        signal,
      });
    },
  };

  return {
    provider,
    describe() {
      const shapes: Record<string, DependencyShape> = {};
      for (const [name, range] of Object.entries(declared)) {
        try {
          const instance = pin(name, range);
          shapes[name] = { version: instance.version, ...(instance.apiShape ? { api: instance.apiShape } : {}) };
        } catch (error) {
          shapes[name] = { error };
        }
      }
      return shapes;
    },
    async call(name, path, args, signal) {
      const range = rangeOf(name, 'ctx.plugins.get');
      const instance = pin(name, range);
      guard(instance);
      if (instance.apiShape === undefined) {
        throw new UsageError(`${who}: ctx.plugins.get(${JSON.stringify(name)}): ${instance.id} exports no api (export const api = { … })`, details);
      }
      return instance.callApi(path, args, joinSignals([signal, ended.signal]));
    },
    release() {
      if (ended.signal.aborted) return;
      ended.abort(new UnloadedError(`${who}: the call ended`, details));
      for (const scope of scopes.splice(0)) void scope.release();
      for (const { release } of pinned.values()) release();
      pinned.clear();
      apis.clear();
    },
  };
}
