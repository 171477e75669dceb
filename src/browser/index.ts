/**
 * plughub/browser: plughub for web apps. It re-exports the core and adds the
 * browser adapters — IndexedDB blob and document caches (idb-keyval custom
 * stores) and a loader that imports verified bytes from data: URLs, or blob:
 * URLs where the page's Content-Security-Policy refuses data: — composed in
 * `createPluginHost`. Nothing here imports a `node:` module.
 *
 * @example
 * import { createPluginHost } from 'plughub/browser';
 * const host = createPluginHost({ registry: 'https://plugins.example', database: 'my-app' });
 * await host.load('hello@^1');
 * console.log(await host.execute('hello', { values: { who: 'browser' } }));
 */
export * from '../core/index.js';
export { createPluginHost, type BrowserHostOptions, type BrowserPluginHost, type VisibilitySource } from './host.js';
export { createIndexedDbBlobCache, type IndexedDbBlobCache, type IndexedDbBlobCacheOptions } from './idb-blob-cache.js';
export { createIndexedDbDocumentCache, type IndexedDbDocumentCache } from './idb-document-cache.js';
export { createBlobUrlLoader, type BlobUrlLoaderOptions, type ModuleScheme } from './blob-url-loader.js';
export { createBrowserWorkerSpawner, type BrowserWorkerSpawnerOptions } from './worker-spawner.js';
export { DEFAULT_DATABASE, type IndexedDbOptions } from './idb-store.js';
export { createIndexedDbTrustStore, type IndexedDbTrustStore } from './idb-trust-store.js';
export {
  servePluginRoutes,
  type PluginRouteFetchEvent,
  type PluginRoutesWorker,
  type ServePluginRoutesOptions,
  type ServiceWorkerClientLike,
  type ServiceWorkerScopeLike,
} from './service-worker.js';
export {
  connectServiceWorker,
  type ConnectServiceWorkerOptions,
  type RouteServingHost,
  type ServiceWorkerConnection,
  type ServiceWorkerMessages,
} from './service-worker-page.js';
