/**
 * The plugin host: go-plugin's manager in web-standard terms. It resolves
 * `name@range` against the registry, plans dependencies, downloads and
 * verifies bundles through the caches, imports them with the injected
 * loader, and then lists, executes, upgrades and unloads plugins. Platform
 * entries (plughub/node, plughub/browser) call `createHost` with their own
 * caches and loader.
 */
import semver from 'semver';
import { silentLogger, type Logger } from './context.js';
import { Emitter, type Unsubscribe } from './events.js';
import { NotLoadedError, PluginLoadError } from './errors.js';
import { planLoad, type PlannedLoad } from './host-plan.js';
import { createPluginSource } from './host-source.js';
import { PluginInstance, preparePlugin, type ExecuteInit, type PluginOrigin } from './host-instance.js';
import { computeIntegrity } from './integrity.js';
import { createDataUrlLoader } from './loader.js';
import { parseManifest, parsePluginSpec, type Manifest } from './manifest.js';
import { createMemoryBlobCache, createMemoryDocumentCache } from './memory.js';
import type { BlobCache, DocumentCache, FetchLike, ModuleLoader } from './ports.js';
import { createRegistryClient, type RegistryClient } from './registry.js';
import { checkCompatibility, resolveVersion } from './versions.js';
import { viewOf as view, type HostEvents, type LoadedPlugin } from './host-types.js';

export type { ExecuteInit, PluginOrigin } from './host-instance.js';
export type { HostEvents, LoadedPlugin } from './host-types.js';

/** How a host is composed. Every port has an in-memory default. */
export interface HostOptions<Api = unknown> {
  /** The registry: a base URL or a client. Without it only local bundles load. */
  registry?: RegistryClient | string;
  /** fetch used by the registry client built from a URL. */
  fetch?: FetchLike;
  cache?: BlobCache;
  documents?: DocumentCache;
  loader?: ModuleLoader;
  /** The host API version; plugins whose engines.host it does not satisfy are not loaded. */
  hostVersion?: string;
  /** The object handed to plugins as ctx.host. */
  api?: Api;
  log?: Logger;
  includePrerelease?: boolean;
  /** Upper bound on any bundle download, whatever the document says (default 64 MiB). */
  maxBundleBytes?: number;
  /** How long deactivate may take (default 5 s). */
  deactivateTimeoutMs?: number;
  /** How long an upgraded version may finish calls in flight before it is aborted (default 30 s). */
  upgradeGraceMs?: number;
}

/** A bundle the caller already has (a plugin folder or a .plg file). */
export interface LocalBundle {
  manifest: unknown;
  bytes: Uint8Array;
  /** Where it came from, for messages and `origin` (a path or URL). */
  location: string;
}

/** The host's public API. */
export interface PluginHost<Api = unknown> {
  readonly registry: RegistryClient | undefined;
  /** Loads `name`, `name@range`, `name@tag` or `name@x.y.z` (and its dependencies first). */
  load(spec: string, options?: { signal?: AbortSignal }): Promise<LoadedPlugin>;
  /** Loads a bundle given as bytes with its manifest (no registry involved). */
  loadBundle(bundle: LocalBundle): Promise<LoadedPlugin>;
  get(name: string): LoadedPlugin | undefined;
  list(): LoadedPlugin[];
  execute<T = unknown>(name: string, init?: ExecuteInit): Promise<T>;
  /** Moves a registry plugin to the newest version its range allows; returns the version now serving. */
  upgrade(name: string, options?: { signal?: AbortSignal }): Promise<LoadedPlugin>;
  unload(name: string): Promise<void>;
  /** Unloads every plugin. */
  close(): Promise<void>;
  on<K extends keyof HostEvents>(event: K, listener: (payload: HostEvents[K]) => void): Unsubscribe;
}

const DEFAULT_MAX_BUNDLE = 64 * 1024 * 1024;

/** Creates a plugin host from ports; see HostOptions for the defaults. */
export function createHost<Api = unknown>(options: HostOptions<Api> = {}): PluginHost<Api> {
  const log = options.log ?? silentLogger;
  const registry =
    typeof options.registry === 'string'
      ? createRegistryClient({ url: options.registry, ...(options.fetch ? { fetch: options.fetch } : {}) })
      : options.registry;
  const cache = options.cache ?? createMemoryBlobCache();
  const loader = options.loader ?? createDataUrlLoader();
  const source = createPluginSource({
    registry,
    cache,
    documents: options.documents ?? createMemoryDocumentCache(),
    log,
    maxBundleBytes: options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE,
  });
  const resolveOptions = {
    ...(options.hostVersion ? { hostVersion: options.hostVersion } : {}),
    ...(options.includePrerelease ? { includePrerelease: true } : {}),
  };
  const deactivateTimeoutMs = options.deactivateTimeoutMs ?? 5_000;
  const upgradeGraceMs = options.upgradeGraceMs ?? 30_000;
  const events = new Emitter<HostEvents>((error) => log.error('a host event listener threw:', error));
  const plugins = new Map<string, PluginInstance<Api>>();
  const loading = new Map<string, Promise<PluginInstance<Api>>>();
  const topLevel = new Map<string, Promise<LoadedPlugin>>();

  function satisfied(name: string, range: string): boolean {
    const current = plugins.get(name);
    if (!current) return false;
    if (!semver.validRange(range)) return true;
    return semver.satisfies(current.version, range, { includePrerelease: true });
  }

  function conflict(name: string, range: string): PluginLoadError {
    const current = plugins.get(name)!;
    return new PluginLoadError(
      `${name}@${range}: ${current.id} is already loaded and does not satisfy "${range}" (unload it or call upgrade)`,
      { plugin: name, version: current.version },
    );
  }

  /** Verifies bytes, imports them and checks the module's shape; the instance is not yet active. */
  function prepare(manifest: Manifest, integrity: string, bytes: Uint8Array, origin: PluginOrigin) {
    return preparePlugin<Api>({ manifest, integrity, bytes, origin, cache, loader, api: options.api as Api, log });
  }

  /** Activates a prepared instance (with the state of a previous version); releases the module on failure. */
  async function activate(instance: PluginInstance<Api>, state?: unknown) {
    const started = Date.now();
    try {
      await instance.activate(state);
    } catch (error) {
      loader.release?.(instance.integrity);
      throw error;
    }
    events.emit('activated', { plugin: view(instance), durationMs: Date.now() - started });
    return instance;
  }

  /** Imports verified bytes, checks the module's shape and activates it. */
  async function instantiate(manifest: Manifest, integrity: string, bytes: Uint8Array, origin: PluginOrigin) {
    return activate(await prepare(manifest, integrity, bytes, origin));
  }

  /** Instantiates one planned version, once per name even when several loads ask at the same time. */
  function install(step: PlannedLoad, signal?: AbortSignal): Promise<PluginInstance<Api>> {
    const existing = plugins.get(step.name);
    if (existing) {
      if (satisfied(step.name, step.range)) return Promise.resolve(existing);
      return Promise.reject(conflict(step.name, step.range));
    }
    const pending = loading.get(step.name);
    if (pending) return pending;
    const started = Date.now();
    const work = (async () => {
      const bytes = await source.bundle(step.name, step.version, step.entry, signal);
      const origin: PluginOrigin = { kind: 'registry', registry: source.registry!.url, range: step.range };
      const instance = await instantiate(step.manifest, step.entry.dist.integrity, bytes, origin);
      plugins.set(step.name, instance);
      events.emit('loaded', { plugin: view(instance), durationMs: Date.now() - started });
      return instance;
    })();
    loading.set(step.name, work);
    work.then(
      () => loading.delete(step.name),
      () => loading.delete(step.name),
    );
    return work;
  }

  async function loadSpec(name: string, range: string, signal?: AbortSignal): Promise<LoadedPlugin> {
    if (plugins.has(name)) {
      if (satisfied(name, range)) return view(plugins.get(name)!);
      throw conflict(name, range);
    }
    events.emit('loading', { name, range });
    try {
      const plan = await planLoad(source, name, range, {
        ...resolveOptions,
        ...(signal ? { signal } : {}),
        isSatisfied: satisfied,
      });
      let last: PluginInstance<Api> | undefined;
      for (const step of plan) last = await install(step, signal);
      return view(last ?? plugins.get(name)!);
    } catch (error) {
      events.emit('error', { name, phase: 'load', error });
      throw error;
    }
  }

  function requireLoaded(name: string): PluginInstance<Api> {
    const instance = plugins.get(name);
    if (!instance) throw new NotLoadedError(`${name} is not loaded`, { plugin: name });
    return instance;
  }

  async function upgrade(name: string, upgradeOptions: { signal?: AbortSignal } = {}): Promise<LoadedPlugin> {
    const current = requireLoaded(name);
    if (current.origin.kind !== 'registry') {
      throw new PluginLoadError(`${current.id} was loaded from ${current.origin.location}, not a registry; load the new bundle instead`, {
        plugin: name,
        version: current.version,
      });
    }
    const started = Date.now();
    try {
      const { document } = await source.document(name, upgradeOptions.signal);
      const resolved = resolveVersion(document, current.origin.range, resolveOptions);
      if (resolved.version === current.version) return view(current);
      const manifest = parseManifest(resolved.entry.manifest, { plugin: name, version: resolved.version });
      const bytes = await source.bundle(name, resolved.version, resolved.entry, upgradeOptions.signal);
      const next = await swap(current, manifest, resolved.entry.dist.integrity, bytes, current.origin);
      events.emit('upgraded', { name, from: current.version, to: next.version, durationMs: Date.now() - started });
      return view(next);
    } catch (error) {
      events.emit('error', { name, version: current.version, phase: 'upgrade', error });
      throw error;
    }
  }

  /**
   * Replaces `current` by a new version: the new module is imported first,
   * then the old version's deactivate hands its state to the new activate,
   * and the switch happens at once. Calls in flight finish on the old version,
   * which is aborted when idle (or after the grace period). If activate
   * fails, the old version is activated again with its state and keeps serving.
   */
  async function swap(current: PluginInstance<Api>, manifest: Manifest, integrity: string, bytes: Uint8Array, origin: PluginOrigin) {
    const next = await prepare(manifest, integrity, bytes, origin);
    const deactivateStarted = Date.now();
    const state = await current.deactivate(deactivateTimeoutMs);
    events.emit('deactivated', { name: current.name, version: current.version, durationMs: Date.now() - deactivateStarted });
    try {
      await activate(next, state);
    } catch (error) {
      await current.activate(state).catch((restoreError: unknown) => log.error(`${current.id}: re-activation failed`, restoreError));
      throw error;
    }
    plugins.set(manifest.name, next);
    void current.idle(upgradeGraceMs).then(() => {
      current.close(`upgraded to ${next.version}`);
      if (current.integrity !== next.integrity) loader.release?.(current.integrity);
    });
    return next;
  }

  async function unload(name: string): Promise<void> {
    const instance = requireLoaded(name);
    const started = Date.now();
    plugins.delete(name);
    instance.close('unloaded');
    try {
      await instance.deactivate(deactivateTimeoutMs);
      events.emit('deactivated', { name, version: instance.version, durationMs: Date.now() - started });
    } catch (error) {
      events.emit('error', { name, version: instance.version, phase: 'unload', error });
    } finally {
      loader.release?.(instance.integrity);
      events.emit('unloaded', { name, version: instance.version, durationMs: Date.now() - started });
    }
  }

  return {
    registry,
    load(spec, loadOptions = {}) {
      const { name, range } = parsePluginSpec(spec);
      const key = `${name}@${range}`;
      const pending = topLevel.get(key);
      if (pending) return pending;
      const work = loadSpec(name, range, loadOptions.signal);
      topLevel.set(key, work);
      const forget = () => topLevel.delete(key);
      work.then(forget, forget);
      return work;
    },
    async loadBundle(bundle) {
      const manifest = parseManifest(bundle.manifest, { url: bundle.location });
      if (options.hostVersion) checkCompatibility(manifest, options.hostVersion);
      if (plugins.has(manifest.name)) throw conflict(manifest.name, manifest.version);
      const started = Date.now();
      events.emit('loading', { name: manifest.name, range: manifest.version });
      try {
        for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
          if (!satisfied(dependency, range)) await loadSpec(dependency, range);
        }
        const integrity = await computeIntegrity(bundle.bytes, 'sha256');
        await cache.put(integrity, bundle.bytes);
        const instance = await instantiate(manifest, integrity, bundle.bytes, { kind: 'local', location: bundle.location });
        plugins.set(manifest.name, instance);
        events.emit('loaded', { plugin: view(instance), durationMs: Date.now() - started });
        return view(instance);
      } catch (error) {
        events.emit('error', { name: manifest.name, version: manifest.version, phase: 'load', error });
        throw error;
      }
    },
    get(name) {
      const instance = plugins.get(name);
      return instance ? view(instance) : undefined;
    },
    list() {
      return [...plugins.values()].map(view);
    },
    async execute<T = unknown>(name: string, init?: ExecuteInit) {
      return requireLoaded(name).execute<T>(init);
    },
    upgrade,
    unload,
    async close() {
      await Promise.all([...plugins.keys()].map((name) => unload(name)));
    },
    on: (event, listener) => events.on(event, listener),
  };
}
