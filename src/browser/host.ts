/**
 * `createPluginHost` for web apps: the core host composed with the browser
 * adapters — the IndexedDB blob and document caches in one database (named
 * by the `database` option, default `plughub`, on one connection opened
 * with the host) and the blob-URL loader. It
 * has the same API as the Node host: load, get, list, execute, upgrade,
 * checkUpdates, unload, close and events. Plugins already cached load while
 * the registry is unreachable. With `autoUpdate`, the host also checks for
 * updates each time the page becomes visible again (a tab brought back
 * after hours may be far behind its interval). With `trustedKeys`, versions
 * seen and the trusted key set are kept in the same database
 * (idb-trust-store.ts), so a reload cannot be rolled back.
 */
import { createBrowserWorkerSpawner } from './worker-spawner.js';
import { createHost, type AutoUpdateOptions, type HostOptions, type PluginHost } from '../core/host/index.js';
import { createBlobUrlLoader, type ModuleScheme } from './blob-url-loader.js';
import { createIndexedDbBlobCache, type IndexedDbBlobCache } from './idb-blob-cache.js';
import { createIndexedDbDocumentCache, type IndexedDbDocumentCache } from './idb-document-cache.js';
import { openCacheStore, type IndexedDbOptions } from './idb-store.js';
import { createIndexedDbTrustStore } from './idb-trust-store.js';

/** Options of createPluginHost: the core HostOptions without the ports (the browser ones are used), plus where to keep them. */
export interface BrowserHostOptions<Api = unknown> extends Omit<HostOptions<Api>, 'cache' | 'documents' | 'loader'>, IndexedDbOptions {
  /** How bundles are imported: `auto` (default; data: URLs, blob: where the page refuses data:), `blob` or `data`. */
  moduleScheme?: ModuleScheme;
  /** Where autoUpdate learns that the page became visible again: `document` by default (none in a worker). */
  visibility?: VisibilitySource;
}

/** What the browser host watches for page visibility: `document`, or a stand-in with the same members. */
export interface VisibilitySource {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** Adds to `options` a trigger that checks when `source` becomes visible, keeping a trigger the caller gave. */
function onVisible(options: AutoUpdateOptions, source: VisibilitySource): AutoUpdateOptions {
  const { trigger } = options;
  return {
    ...options,
    trigger: (check) => {
      const listener = () => {
        if (source.visibilityState === 'visible') check();
      };
      source.addEventListener('visibilitychange', listener);
      const stopTrigger = trigger?.(check);
      return () => {
        source.removeEventListener('visibilitychange', listener);
        if (typeof stopTrigger === 'function') stopTrigger();
      };
    },
  };
}

/** The core PluginHost with the browser caches it uses. */
export interface BrowserPluginHost<Api = unknown> extends PluginHost<Api> {
  /** The IndexedDB database name in use. */
  readonly database: string;
  /** The IndexedDB blob cache (list it, prune it). */
  readonly cache: IndexedDbBlobCache;
  /** The IndexedDB document cache. */
  readonly documents: IndexedDbDocumentCache;
}

/**
 * Creates a plugin host for the browser (or a worker).
 *
 * @example
 * import { createPluginHost } from 'plughub/browser';
 * const host = createPluginHost({ registry: 'https://plugins.example', database: 'my-app' });
 * await host.load('hello@^1');
 * document.body.textContent = await host.execute('hello', { values: { who: 'browser' } });
 */
export function createPluginHost<Api = unknown>(options: BrowserHostOptions<Api> = {}): BrowserPluginHost<Api> {
  const { database, indexedDB, IDBKeyRange, moduleScheme, visibility, autoUpdate, ...rest } = options;
  const visibilitySource = visibility ?? (typeof document === 'undefined' ? undefined : document);
  const stores: IndexedDbOptions = {
    ...(database !== undefined ? { database } : {}),
    ...(indexedDB !== undefined ? { indexedDB } : {}),
    ...(IDBKeyRange !== undefined ? { IDBKeyRange } : {}),
  };
  // One connection for the caches of this host, opened as the host is made when the database exists, so that the first load finds it open (idb-store.ts).
  const store = openCacheStore(stores);
  store.connect();
  const cache = createIndexedDbBlobCache(stores, store);
  const documents = createIndexedDbDocumentCache(stores, store);
  const host = createHost<Api>({
    ...rest,
    ...(autoUpdate ? { autoUpdate: visibilitySource ? onVisible(autoUpdate, visibilitySource) : autoUpdate } : {}),
    cache,
    documents,
    trustStore: options.trustStore ?? createIndexedDbTrustStore(stores, store),
    loader: createBlobUrlLoader(moduleScheme !== undefined ? { scheme: moduleScheme } : {}),
    workers: options.workers ?? createBrowserWorkerSpawner(moduleScheme !== undefined && moduleScheme !== 'auto' ? { moduleScheme } : {}),
  });
  return Object.assign(host, { database: cache.database, cache, documents });
}
