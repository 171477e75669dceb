/**
 * The plugin host: go-plugin's manager in web-standard terms. It resolves
 * `name@range` against the registry, plans dependencies, checks the whole
 * plan and downloads and verifies its bundles through the caches before it
 * imports any of them with the injected loader (load.ts), and then
 * lists, executes, upgrades, reloads and unloads plugins.
 * Each plugin version gets its own wrapper of the host API as `ctx.host`
 * (api-scope.ts), released when the version closes. Upgrades and
 * reloads swap versions atomically (swap.ts, updates.ts), and
 * `autoUpdate` checks the registry periodically (autoupdate.ts).
 * Platform entries (plughub/node, plughub/browser) call `createHost` with
 * their own caches and loader.
 */
import { silentLogger } from '../plugin/index.js';
import { Emitter } from './events.js';
import { NotLoadedError, UnloadedError, UsageError } from '../errors/index.js';
import { IsolationChoices, prepareInstance } from './isolation.js';
import type { Isolation } from '../isolation/index.js';
import { createApiScope } from './api-scope.js';
import { createDependencyLinks } from './dependencies.js';
import { startAutoUpdate } from './autoupdate.js';
import type { ExecuteInit } from '../plugin/index.js';
import type { PluginOrigin } from '../plugin/index.js';
import { raceSignal } from '../isolation/index.js';
import { createRegistryLoads } from './load.js';
import { discard, executeAfter, swap, type SwapContext } from './swap.js';
import { PluginTable, type PluginEntry } from './table.js';
import { viewOf, type HostEvents, type HostOptions, type LoadedPlugin, type LocalBundle, type PluginHost } from './types.js';
import { createUpdater } from './updates.js';
import { computeIntegrity } from '../integrity.js';
import { createDataUrlLoader } from '../plugin/index.js';
import { createMemoryBlobCache } from '../memory.js';
import { composeSource } from './compose.js';
import { parseManifest, parsePluginSpec, type Manifest } from '../plugin/index.js';
import { checkCompatibility } from '../plugin/index.js';
import { compileRoutes } from '../routes/index.js';
import { createRouteFetch } from './fetch.js';
import { HostMetrics } from './metrics.js';

export type { AutoUpdateOptions } from './autoupdate.js';
export type { ExecuteInit } from '../plugin/index.js';
export type { PluginOrigin } from '../plugin/index.js';
export type {
  HostEvents,
  HostOptions,
  HostPhase,
  LoadedPlugin,
  LocalBundle,
  PluginHost,
  SwapReason,
  UpdateFailure,
  UpdateReport,
  UpdatedPlugin,
} from './types.js';

/** Creates a plugin host from ports; see HostOptions for the defaults. */
export function createHost<Api = unknown>(options: HostOptions<Api> = {}): PluginHost<Api> {
  const log = options.log ?? silentLogger;
  const cache = options.cache ?? createMemoryBlobCache();
  const loader = options.loader ?? createDataUrlLoader();
  const table = new PluginTable<Api>();
  const metrics = new HostMetrics(() => [...table.entries(), ...table.retiring()].map((entry) => entry.instance));
  const { registry, source } = composeSource(options, cache, log, metrics);
  const resolveOptions = {
    ...(options.hostVersion ? { hostVersion: options.hostVersion } : {}),
    ...(options.includePrerelease ? { includePrerelease: true } : {}),
  };
  const events = new Emitter<HostEvents>((error) => log.error('a host event listener threw:', error));
  const context: SwapContext<Api> = {
    table,
    events,
    log,
    loader,
    deactivateTimeoutMs: options.deactivateTimeoutMs ?? 5_000,
    graceMs: options.upgradeGraceMs ?? 30_000,
    metrics,
  };
  const topLevel = new Map<string, Promise<LoadedPlugin>>();
  const view = (entry: PluginEntry<Api>) => viewOf(entry.instance, (instance) => table.retiredBecause(instance));

  const isolation = new IsolationChoices(options.isolation, options.workers);

  /** Remembers where `name` runs, unless it is loaded already (its versions keep where they run). */
  function chooseIsolation(name: string, chosen: Isolation | undefined): void {
    if (!table.has(name)) isolation.choose(name, chosen);
  }

  /** Imports verified bytes and checks the module's shape, with a ctx.host scope of its own; not yet active. */
  async function prepare(manifest: Manifest, integrity: string, bytes: Uint8Array, origin: PluginOrigin): Promise<PluginEntry<Api>> {
    const id = `${manifest.name}@${manifest.version}`;
    // Routes are checked before anything is imported; they are claimed for good under the name's lock (load.ts, swap.ts).
    const routes = compileRoutes(manifest);
    table.routes.check(manifest.name, routes);
    const scope = createApiScope(options.api as Api, (error) => log.warn(`${id}: undoing what it registered through ctx.host failed:`, error));
    const links = createDependencyLinks<Api>({
      manifest,
      table,
      execute: (name, init) => execute(name, init),
      onError: (error) => log.warn(`${id}: undoing what it registered through ctx.plugins failed:`, error),
    });
    const meter = metrics.meter(manifest.name, manifest.version);
    const importing = metrics.clock();
    try {
      const instance = await prepareInstance<Api>({
        manifest,
        integrity,
        bytes,
        origin,
        isolation: isolation.of(manifest.name),
        choices: isolation,
        cache,
        loader,
        api: scope.api,
        log,
        ...(links ? { links } : {}),
        ...(options.isolationGraceMs !== undefined ? { graceMs: options.isolationGraceMs } : {}),
        ...(options.maxRouteBodyBytes !== undefined ? { maxRouteBodyBytes: options.maxRouteBodyBytes } : {}),
        ...(options.preparedResponses ? { preparedResponses: true } : {}),
        onCrash: (error) => events.emit('error', { name: manifest.name, version: manifest.version, phase: 'execute', error }),
        meter,
      });
      metrics.phase(manifest.name, 'import', importing);
      return { instance, scope, routes, meter };
    } catch (error) {
      await scope.release();
      throw error;
    }
  }

  const loads = createRegistryLoads<Api>({ ...context, source, resolveOptions, view, prepare });

  function requireLoaded(name: string): PluginEntry<Api> {
    const entry = table.get(name);
    if (!entry) throw new NotLoadedError(`${name} is not loaded`, { plugin: name });
    return entry;
  }

  /** Runs the version serving `name`; a call made while a swap hands over waits for it (host.execute, ctx.plugins.execute). */
  async function execute<T = unknown>(name: string, init?: ExecuteInit): Promise<T> {
    const gate = table.gate(name);
    if (!gate) return requireLoaded(name).instance.execute<T>(init);
    return executeAfter(gate, init ?? {}, (ready) => requireLoaded(name).instance.execute<T>(ready), name);
  }

  /** Loads and upgrades still running: close() waits for them before it unloads what they loaded. */
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }
  function assertOpen(what: string): void {
    if (closed) throw new UsageError(`${what}: this host is closed`);
  }

  function loadBundle(bundle: LocalBundle, loadOptions: { replace?: boolean; isolation?: Isolation } = {}): Promise<LoadedPlugin> {
    return track(loadLocal(bundle, loadOptions));
  }

  async function loadLocal(bundle: LocalBundle, loadOptions: { replace?: boolean; isolation?: Isolation }): Promise<LoadedPlugin> {
    assertOpen(bundle.location);
    const manifest = parseManifest(bundle.manifest, { url: bundle.location }, { strict: false });
    chooseIsolation(manifest.name, loadOptions.isolation);
    const begun = metrics.clock();
    try {
      if (options.hostVersion) checkCompatibility(manifest, options.hostVersion);
    } catch (error) {
      metrics.failed(manifest.name, error, begun);
      throw error;
    }
    const { name, version } = manifest;
    const current = table.get(name);
    if (current && !loadOptions.replace) throw table.conflict(name, version);
    const started = Date.now();
    events.emit('loading', { name, range: version });
    try {
      if (current) table.refuseBreakingDependents(name, version, 'reload');
      await loads.loadDependencies(manifest);
      const integrity = await computeIntegrity(bundle.bytes, 'sha256');
      await cache.put(integrity, bundle.bytes);
      const prepared = await prepare(manifest, integrity, bundle.bytes, { kind: 'local', location: bundle.location });
      if (current) {
        const plugin = view(await swap(context, current, prepared, 'reload', view));
        metrics.swapped(name, 'reload', begun);
        events.emit('upgraded', { name, from: current.instance.version, to: version, reason: 'reload', plugin, durationMs: Date.now() - started });
        return plugin;
      }
      const plugin = view(await loads.commit(prepared));
      metrics.loaded(name, begun);
      events.emit('loaded', { plugin, durationMs: Date.now() - started });
      return plugin;
    } catch (error) {
      metrics.failed(name, error, begun);
      const phase = current ? 'reload' : 'load';
      events.emit('error', { name, version, location: bundle.location, phase, error });
      throw error;
    }
  }

  async function unload(name: string, unloadOptions: { force?: boolean } = {}): Promise<void> {
    const dependents = unloadOptions.force ? [] : table.dependentsOf(name);
    if (dependents.length > 0) {
      throw new UsageError(
        `${name}: ${dependents.join(', ')} depend${dependents.length === 1 ? 's' : ''} on it; unload ${dependents.length === 1 ? 'it' : 'them'} first, or pass { force: true }`,
        { plugin: name },
      );
    }
    return table.exclusive(name, async () => {
      const entry = requireLoaded(name);
      const { instance } = entry;
      const started = Date.now();
      table.delete(name);
      isolation.forget(name);
      instance.close('unloaded');
      try {
        await instance.deactivate(context.deactivateTimeoutMs);
        events.emit('deactivated', { name, version: instance.version, durationMs: Date.now() - started });
      } catch (error) {
        events.emit('error', { name, version: instance.version, phase: 'unload', error });
      } finally {
        await discard(context, entry, 'unloaded');
        events.emit('unloaded', { name, version: instance.version, durationMs: Date.now() - started });
      }
    });
  }

  // The updater loads a new version's dependencies only once the whole plan of that version has passed its checks.
  const updater = createUpdater<Api>({ ...context, source, resolveOptions, view, prepare, loadUpgrade: loads.loadUpgrade });
  /** Aborts a periodic check still running when the host closes, so that it loads nothing afterwards. */
  const closing = new AbortController();
  const autoUpdate = options.autoUpdate
    ? startAutoUpdate(
        options.autoUpdate,
        () => updater.checkUpdates({ signal: closing.signal }),
        (error) => log.error('autoUpdate: the update check failed:', error),
      )
    : undefined;

  return {
    registry,
    async load(spec, loadOptions = {}) {
      assertOpen(spec);
      const { name, range } = parsePluginSpec(spec);
      chooseIsolation(name, loadOptions.isolation);
      const key = `${name}@${range}`;
      // One load per spec, shared by every caller and stopped only by close(); a
      // caller's own signal ends its wait, not the work others may be waiting on.
      let work = topLevel.get(key);
      if (!work) {
        const started = track(loads.load(name, range, closing.signal));
        topLevel.set(key, started);
        const forget = () => topLevel.delete(key);
        started.then(forget, () => {
          forget();
          if (!table.has(name)) isolation.forget(name);
        });
        work = started;
      }
      return loadOptions.signal ? raceSignal(work, loadOptions.signal) : work;
    },
    loadBundle,
    get(name) {
      const entry = table.get(name);
      return entry ? view(entry) : undefined;
    },
    list() {
      return table.entries().map(view);
    },
    execute,
    fetch: createRouteFetch({ table, log, timeoutMs: options.routeTimeoutMs ?? 30_000 }),
    async upgrade(name, upgradeOptions) {
      assertOpen(name);
      return track(updater.upgrade(name, upgradeOptions));
    },
    checkUpdates: updater.checkUpdates,
    unload,
    async close() {
      closed = true;
      autoUpdate?.stop();
      closing.abort(new UnloadedError('the host was closed'));
      await Promise.allSettled([...inFlight]);
      await Promise.all(table.names().map((name) => unload(name, { force: true }).catch(() => undefined)));
      await Promise.all(table.retiring().map((entry) => discard(context, entry, 'unloaded')));
      await source.settled();
    },
    settled: () => source.settled(),
    on: (event, listener) => events.on(event, listener),
    metrics: () => metrics.snapshot(),
    refreshMetrics: () => metrics.refresh(),
  };
}
