/**
 * `createPluginHost` for web apps: the core host composed with the browser
 * adapters — the IndexedDB blob and document caches in one database (named
 * by the `database` option, default `plughub`) and the blob-URL loader. It
 * has the same API as the Node host: load, get, list, execute, upgrade,
 * unload, close and events. Plugins already cached load while the registry
 * is unreachable.
 */
import { createHost, type HostOptions, type PluginHost } from '../core/host.js';
import { createBlobUrlLoader, type ModuleScheme } from './blob-url-loader.js';
import { createIndexedDbBlobCache, type IndexedDbBlobCache } from './idb-blob-cache.js';
import { createIndexedDbDocumentCache, type IndexedDbDocumentCache } from './idb-document-cache.js';
import type { IndexedDbOptions } from './idb-store.js';

/** Options of createPluginHost: the core HostOptions without the ports (the browser ones are used), plus where to keep them. */
export interface BrowserHostOptions<Api = unknown>
  extends Omit<HostOptions<Api>, 'cache' | 'documents' | 'loader'>,
    IndexedDbOptions {
  /** How bundles are imported: `auto` (default; blob: URLs, data: where the page refuses blob:), `blob` or `data`. */
  moduleScheme?: ModuleScheme;
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
  const { database, indexedDB, IDBKeyRange, moduleScheme, ...rest } = options;
  const stores: IndexedDbOptions = {
    ...(database !== undefined ? { database } : {}),
    ...(indexedDB !== undefined ? { indexedDB } : {}),
    ...(IDBKeyRange !== undefined ? { IDBKeyRange } : {}),
  };
  const cache = createIndexedDbBlobCache(stores);
  const documents = createIndexedDbDocumentCache(stores);
  const host = createHost<Api>({
    ...rest,
    cache,
    documents,
    loader: createBlobUrlLoader(moduleScheme !== undefined ? { scheme: moduleScheme } : {}),
  });
  return Object.assign(host, { database: cache.database, cache, documents });
}
