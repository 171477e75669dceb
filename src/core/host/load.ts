/**
 * Loading from the registry, one checked plan at a time: a load plans the
 * plugin and its dependencies (plan.ts), checks the whole plan and
 * fetches every bundle of it (fetchPlan), and only then imports and
 * activates each plugin in order, dependencies first. Planning uses the
 * documents the source has fresh in its cache without asking the registry
 * (source.ts); when such a plan cannot be resolved (a version published
 * since, say), it is planned again from the registry. The caches are
 * written once the plan's imports are done, and the load does not wait for
 * them (source.ts `flush`; host.settled does). Nothing of a plan
 * runs unless all of it passed: document signatures, engines, the author
 * policy of every plugin and the integrity of every bundle. The
 * dependencies of a local bundle, and those of a version an upgrade moves
 * to, are loaded the same way. Each name is instantiated once even when
 * several loads ask for it at the same time.
 */
import { DependencyCycleError, isPlughubError } from '../errors/index.js';
import type { PluginOrigin } from '../plugin/index.js';
import { fetchPlan, planLoad, type PlannedLoad } from './plan.js';
import type { PluginSource } from './source.js';
import { activate, discard, type SwapContext } from './swap.js';
import type { PluginEntry } from './table.js';
import type { LoadedPlugin } from './types.js';
import type { Manifest } from '../plugin/index.js';
import type { ResolveOptions } from '../plugin/index.js';

/** What registry loads need from the host. */
export interface LoadContext<Api> extends SwapContext<Api> {
  source: PluginSource;
  resolveOptions: ResolveOptions;
  view(entry: PluginEntry<Api>): LoadedPlugin;
  /** Imports verified bytes into a new, not yet activated entry. */
  prepare(manifest: Manifest, integrity: string, bytes: Uint8Array, origin: PluginOrigin): Promise<PluginEntry<Api>>;
}

/** The registry loads of one host. */
export interface RegistryLoads<Api> {
  /**
   * Activates a prepared entry and makes it serve, under the name's lock.
   * When the name got loaded meanwhile: that version if it satisfies
   * `range`, else (or without a range) a conflict; the prepared entry is
   * discarded either way.
   */
  commit(entry: PluginEntry<Api>, range?: string): Promise<PluginEntry<Api>>;
  /** Loads `name@range` and what it needs; resolves with what serves `name`. */
  load(name: string, range: string, signal?: AbortSignal): Promise<LoadedPlugin>;
  /** Loads the dependencies of a local bundle that no serving version satisfies, as one plan. */
  loadDependencies(manifest: Manifest, signal?: AbortSignal): Promise<void>;
  /**
   * Checks the plan of an upgrade whole — the new version `step` (author
   * signature, bundle) and the dependencies it needs that no serving version
   * satisfies — then loads those dependencies; resolves with the new
   * version's verified bytes, ready to be prepared and swapped in.
   */
  loadUpgrade(step: PlannedLoad, signal?: AbortSignal): Promise<Uint8Array>;
}

/** Creates the registry loads of a host. */
export function createRegistryLoads<Api>(context: LoadContext<Api>): RegistryLoads<Api> {
  const { table, events, source } = context;
  const loading = new Map<string, Promise<PluginEntry<Api>>>();
  const planOptions = (signal?: AbortSignal, requestedBy?: string) => ({
    ...context.resolveOptions,
    ...(signal ? { signal } : {}),
    ...(requestedBy ? { requestedBy } : {}),
    isSatisfied: (name: string, range: string) => table.satisfies(name, range),
  });

  /** Says, in a debug line, which newer versions of a step the host's version refused. */
  function logSkipped(step: PlannedLoad): void {
    if (!step.skipped) return;
    const skipped = step.skipped.map(({ version, reason }) => `${version} (${reason})`).join(', ');
    context.log.debug(`${step.name}@${step.range}: skipped ${skipped}; loading ${step.version}`);
  }

  /** The dependencies of `manifest` that no serving version satisfies, as [name, range] pairs. */
  const unmetDependencies = (manifest: Manifest): Array<[string, string]> =>
    Object.entries(manifest.dependencies ?? {}).filter(([name, range]) => !table.satisfies(name, range));

  /**
   * Plans `wanted` from documents fresh in the cache where the source has
   * them; when that plan does not resolve (the cached copies may predate a
   * version the request needs), plans again from what the registry says now.
   */
  async function plan(wanted: ReadonlyArray<readonly [string, string]>, options: ReturnType<typeof planOptions>): Promise<PlannedLoad[]> {
    let usedFresh = false;
    const cachedFirst: PluginSource = {
      ...source,
      document: async (name, signal) => {
        const found = await source.document(name, signal, { load: true });
        usedFresh ||= found.fresh === true;
        return found;
      },
    };
    try {
      return await planLoad(cachedFirst, wanted, options);
    } catch (error) {
      const unresolved = isPlughubError(error) && (error.code === 'E_RESOLVE' || error.code === 'E_DEPENDENCY_CYCLE');
      if (!usedFresh || !unresolved) throw error;
      const asking: PluginSource = { ...source, document: (name, signal) => source.document(name, signal, { load: true, revalidate: true }) };
      return planLoad(asking, wanted, options);
    }
  }

  /** Bundles being fetched, by name, version and integrity: loads of the same plugin at the same time share one download. */
  const fetching = new Map<string, Promise<Uint8Array>>();
  function bundle(step: PlannedLoad, signal?: AbortSignal): Promise<Uint8Array> {
    const key = `${step.name}@${step.version} ${step.entry.dist.integrity}`;
    let pending = fetching.get(key);
    if (!pending) {
      pending = source.bundle(step.name, step.version, step.entry, { signal, unseen: step.unseen });
      fetching.set(key, pending);
      const forget = () => fetching.delete(key);
      pending.then(forget, forget);
    }
    return pending;
  }

  function commit(entry: PluginEntry<Api>, range?: string): Promise<PluginEntry<Api>> {
    const { name, version } = entry.instance;
    return table.exclusive(name, async () => {
      const existing = table.get(name);
      if (existing) {
        await discard(context, entry, 'not needed');
        if (range !== undefined && table.satisfies(name, range)) return existing;
        throw table.conflict(name, range ?? version);
      }
      let release: () => void;
      try {
        release = table.routes.claim(name, entry.routes);
      } catch (error) {
        await discard(context, entry, 'not loaded');
        throw error;
      }
      try {
        await activate(context, entry, context.view(entry));
        table.set(name, entry);
      } finally {
        release();
      }
      return entry;
    });
  }

  /** Imports and activates one planned version from its checked bytes, once per name even when several loads ask at the same time. */
  function install(step: PlannedLoad, bytes: Uint8Array, begun: number): Promise<PluginEntry<Api>> {
    const { name, range, requestedBy } = step;
    const existing = table.get(name);
    if (existing) return table.satisfies(name, range) ? Promise.resolve(existing) : Promise.reject(table.conflict(name, range, requestedBy));
    const pending = loading.get(name);
    if (pending) return pending.then((entry) => (table.satisfies(name, range) ? entry : Promise.reject(table.conflict(name, range, requestedBy))));
    const started = Date.now();
    const work = (async () => {
      const origin: PluginOrigin = { kind: 'registry', registry: source.registry!.url, range };
      logSkipped(step);
      const prepared = await context.prepare(step.manifest, step.entry.dist.integrity, bytes, origin);
      const entry = await commit(prepared, range);
      if (entry === prepared) {
        const plugin = context.view(entry);
        context.metrics.loaded(name, begun);
        events.emit('loaded', { plugin, durationMs: Date.now() - started, ...(step.skipped ? { skipped: step.skipped } : {}) });
      }
      return entry;
    })();
    loading.set(name, work);
    const forget = () => loading.delete(name);
    work.then(forget, forget);
    return work;
  }

  /** Checks and fetches all of `plan`, then installs it in order; resolves with the last entry. `begun` is when the load began (`metrics.clock()`). */
  async function run(plan: readonly PlannedLoad[], begun: number, signal?: AbortSignal): Promise<PluginEntry<Api> | undefined> {
    const bundles = await fetchPlan(source, plan, signal, (step) => bundle(step, signal));
    let last: PluginEntry<Api> | undefined;
    for (const step of plan) last = await install(step, bundles.get(step.name)!, begun);
    return last;
  }

  async function loadUpgrade(step: PlannedLoad, signal?: AbortSignal): Promise<Uint8Array> {
    const begun = context.metrics.clock();
    const missing = unmetDependencies(step.manifest);
    const dependencies = missing.length === 0 ? [] : await plan(missing, planOptions(signal, `${step.name}@${step.version}`));
    if (dependencies.some((dependency) => dependency.name === step.name)) {
      const details = { plugin: step.name, version: step.version };
      throw new DependencyCycleError(
        `dependency cycle: ${step.name}@${step.version} needs, through its dependencies, ${step.name} itself`,
        [step.name, step.name],
        details,
      );
    }
    try {
      const bundles = await fetchPlan(source, [...dependencies, step], signal, (planned) => bundle(planned, signal));
      for (const dependency of dependencies) await install(dependency, bundles.get(dependency.name)!, begun);
      return bundles.get(step.name)!;
    } finally {
      source.flush();
    }
  }

  return {
    commit,
    loadUpgrade,

    async load(name, range, signal) {
      if (table.has(name)) {
        if (table.satisfies(name, range)) return context.view(table.get(name)!);
        throw table.conflict(name, range);
      }
      events.emit('loading', { name, range });
      const begun = context.metrics.clock();
      try {
        const last = await run(await plan([[name, range]], planOptions(signal)), begun, signal);
        return context.view(last ?? table.get(name)!);
      } catch (error) {
        context.metrics.failed(name, error, begun);
        events.emit('error', { name, phase: 'load', error });
        throw error;
      } finally {
        source.flush();
      }
    },

    async loadDependencies(manifest, signal) {
      const missing = unmetDependencies(manifest);
      if (missing.length === 0) return;
      const requestedBy = `${manifest.name}@${manifest.version}`;
      for (const [name, range] of missing) {
        if (table.has(name)) throw table.conflict(name, range, requestedBy);
      }
      const begun = context.metrics.clock();
      try {
        await run(await plan(missing, planOptions(signal, requestedBy)), begun, signal);
      } finally {
        source.flush();
      }
    },
  };
}
