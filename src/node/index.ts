/**
 * plughub/node: plughub for Node services. It re-exports the core and adds
 * the Node adapters — the filesystem blob and document caches, the file
 * loader, directory discovery — composed in `createPluginHost`.
 *
 * @example
 * import { createPluginHost } from 'plughub/node';
 * const host = createPluginHost(); // PLUGHUB_REGISTRY, ~/.cache/plughub
 * const { loaded, failed } = await host.loadDir('./plugins');
 * await host.load('hello@^1');
 * console.log(await host.execute('hello', { values: { who: 'Node' } }));
 */
export * from '../core/index.js';
export { createPluginHost, type NodeHostEvents, type NodeHostOptions, type NodePluginHost } from './host.js';
export { createFsBlobCache, type FsBlobCache, type FsBlobCacheOptions, type VerifyReport } from './cache/blob-cache.js';
export { createFsDocumentCache, type FsDocumentCache } from './cache/document-cache.js';
export { createFileLoader, type FileLoaderOptions } from './loader/file-loader.js';
export { createNodeWorkerSpawner, type NodeWorkerSpawnerOptions } from './worker-spawner.js';
export { loadDir, type LoadDirFailure, type LoadDirOptions, type LoadDirResult } from './discover/index.js';
export { watchDir, type DirChange, type WatchedDir, type WatchHooks, type WatchOptions } from './discover/watch.js';
export { defaultCacheDir, defaultRegistry, type Env } from './paths.js';
export { writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js';
export { createFsTrustStore, type FsTrustStore } from './cache/trust-store.js';
