/**
 * The shapes of a host: its options and public API, the view of a loaded
 * plugin, the report of an update check, and the payloads of its lifecycle
 * events (each with its duration in milliseconds where the event ends a step).
 */
import type { Logger } from '../plugin/index.js';
import { UnloadedError } from '../errors/index.js';
import type { Unsubscribe } from './events.js';
import type { AutoUpdateOptions } from './autoupdate.js';
import type { ExecuteInit } from '../plugin/index.js';
import type { PluginOrigin } from '../plugin/index.js';
import type { Isolation, LoadedInstance, WorkerSpawner } from '../isolation/index.js';
import type { Manifest, SkippedVersion } from '../plugin/index.js';
import type { BlobCache, DocumentCache, FetchLike, ModuleLoader, TrustStore } from '../ports.js';
import type { MetricsSnapshot } from '../metrics/index.js';
import type { RegistryClient } from '../registry/index.js';
import type { TrustedKeyInput } from '../trust/index.js';

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
  /** The object handed to plugins as ctx.host (wrapped per plugin version: see api-scope.ts). */
  api?: Api;
  log?: Logger;
  includePrerelease?: boolean;
  /** Upper bound on any bundle download, whatever the document says (default 64 MiB). */
  maxBundleBytes?: number;
  /** How long deactivate may take (default 5 s). */
  deactivateTimeoutMs?: number;
  /** How long a replaced version may finish calls in flight before it is aborted (default 30 s). */
  upgradeGraceMs?: number;
  /** Check the registry for updates of loaded plugins every `intervalMs` until close(). */
  autoUpdate?: AutoUpdateOptions;
  /** Where plugins run unless `load` says otherwise: `none` (the host's realm, default) or `worker`. */
  isolation?: Isolation;
  /** Starts workers for `isolation: 'worker'` (plughub/node and plughub/browser supply one). */
  workers?: WorkerSpawner;
  /** How long an isolated plugin may take to stop after a cancel, deadline or unload before its worker is terminated (default 100 ms). */
  isolationGraceMs?: number;
  /** Upper bound on a registry document, aborted while streaming (default 8 MiB; for a registry given as a URL). */
  maxDocumentBytes?: number;
  /**
   * Registry keys this host trusts (base64 of raw Ed25519 public keys, or
   * `{ keyid, publicKey }`). With keys, every registry document must be a
   * signed envelope that verifies; one that is unsigned, wrongly signed, of
   * another plugin or registry, expired or older than one seen is refused
   * (SignatureError / ExpiredError / RollbackError) and nothing is
   * downloaded on its word. See docs/design.md, "Trust".
   * @example createHost({ registry: url, trustedKeys: ['MCowBQYDK2VwAyEA…'] })
   */
  trustedKeys?: readonly TrustedKeyInput[];
  /** How many distinct trusted keys must have signed a document (default 1). */
  threshold?: number;
  /**
   * Author keys required per plugin name, `@scope/*` or `*` (every name; an
   * exact name wins over its scope, which wins over `*`): a version must
   * carry a valid author signature by one of the keys of the pattern that
   * covers its name, over its name, version, integrity, `dependencies` and
   * `engines` (a version 1 signature counts only without dependencies).
   * Every plugin of a load plan, dependencies included, meets the policy of
   * its own name before any of them is imported.
   */
  authorKeys?: Readonly<Record<string, readonly TrustedKeyInput[]>>;
  /** The registry identity signed documents must name; default: pinned from the first verified document. */
  registryId?: string;
  /** Where the highest versions seen and the trusted key set are kept (default in memory; plughub/node and plughub/browser persist them). */
  trustStore?: TrustStore;
  /** The clock signed `expires` times are compared with (default Date.now). */
  now?: () => number;
  /** The deadline of a route call served by `fetch`, until its handler returns (default 30 s; 504 after it). */
  routeTimeoutMs?: number;
  /** Upper bound on a request or response body crossing to or from a worker-isolated plugin's route (default 10 MiB; 413 over it). */
  maxRouteBodyBytes?: number;
  /**
   * Answer routes whose plugin returns text, bytes or JSON with a light
   * Response that makes its body stream only when read (its bytes are in
   * memory already), for a server whose bridge writes such bytes directly
   * (`plughub host` does). It passes `instanceof Response` and behaves as one
   * for JavaScript, but a native API that checks its brand (a service
   * worker's `respondWith`, `Cache.put`) needs a real one: leave this off
   * (the default) when the responses go there.
   */
  preparedResponses?: boolean;
}

/** Per-load choices. */
export interface LoadOptions {
  signal?: AbortSignal;
  /** Where this plugin runs (its upgrades and reloads too); default: the host's `isolation`. */
  isolation?: Isolation;
}

/** A bundle the caller already has (a plugin folder or a .plg file). */
export interface LocalBundle {
  manifest: unknown;
  bytes: Uint8Array;
  /** Where it came from, for messages and `origin` (a path or URL). */
  location: string;
}

/** The host's public API. */
export interface PluginHost<_Api = unknown> {
  readonly registry: RegistryClient | undefined;
  /** Loads `name`, `name@range`, `name@tag` or `name@x.y.z` (and its dependencies first). */
  load(spec: string, options?: LoadOptions): Promise<LoadedPlugin>;
  /**
   * Loads a bundle given as bytes with its manifest (no registry involved).
   * With `replace`, a plugin of that name already loaded is swapped for it
   * like an upgrade (its state handed over; on failure it keeps serving).
   */
  loadBundle(bundle: LocalBundle, options?: { replace?: boolean; isolation?: Isolation }): Promise<LoadedPlugin>;
  get(name: string): LoadedPlugin | undefined;
  list(): LoadedPlugin[];
  /** Runs the version serving `name`; a call made while a swap hands over waits for it and runs on the new version. */
  execute<T = unknown>(name: string, init?: ExecuteInit): Promise<T>;
  /**
   * Answers `request` from the routes of the loaded plugins (`http_services`):
   * the matched route's plugin runs with `ctx.label`, `ctx.get('params')`,
   * `ctx.get('query')` and `ctx.request`, and its result becomes the
   * Response. Never rejects: no route is a 404, a wrong method a 405 with
   * `Allow`, a failing plugin a 500, each with a JSON body
   * `{ error: { code, message } }`.
   * @example const response = await host.fetch(new Request('http://plugins.local/api/plugin/sample/42'));
   */
  fetch(request: Request): Promise<Response>;
  /** Moves a registry plugin to the newest version its range and the host allow; returns the version now serving. */
  upgrade(name: string, options?: { signal?: AbortSignal }): Promise<LoadedPlugin>;
  /** Upgrades every plugin loaded from the registry; reports what moved and what failed, never throws for one plugin. */
  checkUpdates(options?: { signal?: AbortSignal }): Promise<UpdateReport>;
  /**
   * Unloads a plugin. Refused (UsageError) while other loaded plugins declare
   * it in their `dependencies`, unless `force` is set.
   */
  unload(name: string, options?: { force?: boolean }): Promise<void>;
  /** Stops autoUpdate and unloads every plugin, including versions still finishing calls after a swap, then waits for the cache writes (`settled`). */
  close(): Promise<void>;
  /**
   * Resolves once the cache writes of the loads so far are done. A load
   * resolves as soon as its plugins are imported and active; the documents
   * and bundles it fetched are written to the caches after that, in the
   * background. Never rejects: a write that failed was logged as a warning,
   * and the next load fetches what it missed.
   * @example await host.load('hello@^1'); await host.settled(); // hello is cached now, for an offline start
   */
  settled(): Promise<void>;
  on<K extends keyof HostEvents>(event: K, listener: (payload: HostEvents[K]) => void): Unsubscribe;
  /**
   * The host's metrics now, read in one synchronous step (docs/design.md,
   * "Metrics"): loads by outcome with their duration and each phase's,
   * where documents and bundles came from, failures by reason, executions
   * and route calls with their latency, versions loaded, upgrades, worker
   * restarts and worker heaps as the last `refreshMetrics()` read them.
   * @example const loads = host.metrics().metrics.find((metric) => metric.name === 'plughub_loads_total');
   */
  metrics(): MetricsSnapshot;
  /** Reads what only an asynchronous question answers (the heap of each plugin worker, where the platform reports it) for the next `metrics()`. */
  refreshMetrics(): Promise<void>;
}

/** A loaded plugin version as the host reports it; `execute` runs on that version. */
export interface LoadedPlugin {
  name: string;
  version: string;
  manifest: Manifest;
  integrity: string;
  origin: PluginOrigin;
  loadedAt: number;
  /** Where it runs: `none` (the host's realm) or `worker`. */
  isolation: Isolation;
  /** Runs on this very version; once it has been upgraded or reloaded, rejects with an UnloadedError. */
  execute<T = unknown>(init?: ExecuteInit): Promise<T>;
}

/** One plugin an update check moved to a newer version. */
export interface UpdatedPlugin {
  name: string;
  from: string;
  to: string;
}

/** One plugin an update check could not upgrade; its previous version keeps serving. */
export interface UpdateFailure {
  name: string;
  /** The version that keeps serving. */
  version: string;
  error: unknown;
}

/** What `checkUpdates` did. */
export interface UpdateReport {
  upgraded: UpdatedPlugin[];
  failed: UpdateFailure[];
}

/** Why a version replaced another: a registry upgrade, or a reload of a local bundle (a watched folder changed). */
export type SwapReason = 'upgrade' | 'reload';

/** The step of the lifecycle an `error` event comes from. */
export type HostPhase = 'load' | 'upgrade' | 'reload' | 'deactivate' | 'unload' | 'watch' | 'execute';

/** Lifecycle events and their payloads. */
export interface HostEvents {
  /** A load, upgrade or reload starts (`range` is the version for a local bundle). */
  loading: { name: string; range: string };
  activated: { plugin: LoadedPlugin; durationMs: number };
  /**
   * A new plugin is loaded and serving (not sent for upgrades and reloads:
   * see `upgraded`). `skipped` lists the newer versions its range matched
   * that the host passed over because their `engines.host` refuses
   * `hostVersion`, newest first, each with why (absent when none).
   */
  loaded: { plugin: LoadedPlugin; durationMs: number; skipped?: SkippedVersion[] };
  /** A new version serves in place of the old one, which finishes its calls in flight; `skipped` as for `loaded`. */
  upgraded: { name: string; from: string; to: string; reason: SwapReason; plugin: LoadedPlugin; durationMs: number; skipped?: SkippedVersion[] };
  deactivated: { name: string; version: string; durationMs: number };
  /**
   * A version replaced by an upgrade or reload has finished its calls (or its
   * grace period ran out) and is closed: its contexts are aborted and what it
   * registered through ctx.host is released. `durationMs` counts from the swap.
   */
  retired: { name: string; version: string; durationMs: number };
  unloaded: { name: string; version: string; durationMs: number };
  /**
   * A step failed; whatever served before keeps serving. `name` is the
   * plugin's, or for a file that could not even be read, its location.
   */
  error: { name: string; version?: string; location?: string; phase: HostPhase; error: unknown };
  /** An update check (`checkUpdates`, or one round of autoUpdate) finished. */
  checked: UpdateReport & { durationMs: number };
}

/**
 * The view of an instance that callers get: its facts and an execute bound
 * to it. `retired(instance)` says why the instance no longer takes calls.
 */
export function viewOf(instance: LoadedInstance, retired: (instance: LoadedInstance) => string | undefined = () => undefined): LoadedPlugin {
  return {
    name: instance.name,
    version: instance.version,
    isolation: instance.isolation,
    manifest: instance.manifest,
    integrity: instance.integrity,
    origin: instance.origin,
    loadedAt: instance.loadedAt,
    execute: (init) => {
      const why = retired(instance);
      if (why === undefined) return instance.execute(init);
      return Promise.reject(new UnloadedError(`${instance.id} was ${why}`, { plugin: instance.name, version: instance.version }));
    },
  };
}
