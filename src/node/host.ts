/**
 * `createPluginHost`: the core host composed with the Node adapters — the
 * filesystem blob and document caches under one cache directory, and the
 * file loader — plus go-plugin's directory discovery (`loadDir`) and
 * directory watching (`loadDir(dir, { watch: true })`, reported through the
 * `watch` and `error` events). Defaults come from the environment:
 * `PLUGHUB_REGISTRY` for the registry, `PLUGHUB_CACHE_DIR` or
 * `$XDG_CACHE_HOME/plughub` (`~/.cache/plughub`) for the cache. `autoUpdate`
 * polls the registry with a plain timer (no visibility trigger in Node).
 * With `trustedKeys`, what signed metadata has been seen is kept under
 * `<cacheDir>/trust` (cache/trust-store.ts), so a restart cannot be rolled back.
 */
import type { CacheFileError } from '../core/errors/index.js';
import { Emitter, type Unsubscribe } from '../core/host/index.js';
import { createNodeWorkerSpawner } from './worker-spawner.js';
import { createHost, type HostEvents, type HostOptions, type PluginHost } from '../core/host/index.js';
import { loadDir, type LoadDirOptions, type LoadDirResult } from './discover/index.js';
import { createFileLoader } from './loader/index.js';
import { createFsBlobCache, type FsBlobCache } from './cache/index.js';
import { createFsDocumentCache, type FsDocumentCache } from './cache/index.js';
import { createFsTrustStore } from './cache/index.js';
import { defaultCacheDir, defaultRegistry, type Env } from './paths.js';
import { DEFAULT_MAX_FILE_BYTES } from './regular-file.js';
import { watchDir, type DirChange, type WatchedDir, type WatchOptions } from './discover/index.js';

/** The core events plus `watch`: one pass over a watched directory changed or failed something. */
export interface NodeHostEvents extends HostEvents {
  watch: DirChange;
}

/**
 * Options of createPluginHost: the core HostOptions, with the filesystem
 * caches under `cacheDir` in place of the cache ports, and the file loader
 * as the default `loader`.
 */
export interface NodeHostOptions<Api = unknown> extends Omit<HostOptions<Api>, 'cache' | 'documents'> {
  /** Where blobs and documents are cached; default PLUGHUB_CACHE_DIR, else $XDG_CACHE_HOME/plughub, else ~/.cache/plughub. */
  cacheDir?: string;
  /** The environment the defaults are read from (default process.env). */
  env?: Env;
}

/** The core PluginHost with the Node extras. */
export interface NodePluginHost<Api = unknown> extends Omit<PluginHost<Api>, 'on'> {
  /** The absolute cache directory in use. */
  readonly cacheDir: string;
  /** The filesystem blob cache (the CLI lists, verifies and prunes it). */
  readonly cache: FsBlobCache;
  /** The filesystem document cache. */
  readonly documents: FsDocumentCache;
  /**
   * Discovers and loads every plugin in `dir` (folders with plugin.json, .plg
   * files); failures are reported, not thrown. Afterwards `get(name)` finds them.
   */
  loadDir(dir: string, options?: LoadDirOptions & { watch?: false }): Promise<LoadDirResult>;
  /**
   * Loads `dir`, then keeps it in step with the directory (see watch.ts):
   * new plugins load, changed ones reload (state handed over), removed ones
   * unload, and a broken edit keeps the last good version serving. Each pass
   * is reported as a `watch` event, failures as `error` events. Stop it with
   * the returned `close()` or with `host.close()`.
   */
  loadDir(dir: string, options: WatchOptions & { watch: true }): Promise<WatchedDir>;
  /** Listens to a lifecycle event, or to `watch` reports of watched directories. */
  on<K extends keyof NodeHostEvents>(event: K, listener: (payload: NodeHostEvents[K]) => void): Unsubscribe;
}

/**
 * Creates a plugin host for Node.
 *
 * @example
 * import { createPluginHost } from 'plughub/node';
 * const host = createPluginHost({ registry: 'http://127.0.0.1:4873' });
 * await host.load('hello@^1');
 * console.log(await host.execute('hello', { values: { who: 'Node' } }));
 */
export function createPluginHost<Api = unknown>(options: NodeHostOptions<Api> = {}): NodePluginHost<Api> {
  const { cacheDir: explicitDir, env = process.env, registry: explicitRegistry, ...rest } = options;
  const cacheDir = defaultCacheDir(explicitDir, env);
  const registry = defaultRegistry(explicitRegistry, env);
  // A FIFO, directory or link planted in the cache is refused, reported here and treated as a miss.
  const onRefused = (error: CacheFileError) => (options.log ?? console).warn(`plughub cache: ${error.message}`);
  const cache = createFsBlobCache(cacheDir, {
    onRefused,
    ...(options.maxBundleBytes !== undefined ? { maxBlobBytes: Math.max(options.maxBundleBytes, DEFAULT_MAX_FILE_BYTES) } : {}),
  });
  const documents = createFsDocumentCache(cacheDir, { onRefused });
  const host = createHost<Api>({
    ...rest,
    ...(registry !== undefined ? { registry } : {}),
    cache,
    documents,
    trustStore: options.trustStore ?? createFsTrustStore(cacheDir),
    loader: options.loader ?? createFileLoader(),
    workers: options.workers ?? createNodeWorkerSpawner(),
  });
  const maxBundleBytes = options.maxBundleBytes;
  const events = new Emitter<Pick<NodeHostEvents, 'watch' | 'error'>>((error) => (options.log ?? console).error('a host event listener threw:', error));
  const watchers = new Set<WatchedDir>();
  const closeCore = host.close;
  const onCore = host.on;

  async function loadDirectory(dir: string, loadOptions: WatchOptions & { watch?: boolean } = {}): Promise<LoadDirResult | WatchedDir> {
    const { watch, ...rest } = loadOptions;
    const merged = { ...(maxBundleBytes !== undefined ? { maxBundleBytes } : {}), ...rest };
    if (!watch) return loadDir(host, dir, merged);
    const watched = await watchDir(host, dir, {
      ...merged,
      onChange: (change) => events.emit('watch', change),
      onError: (event) => events.emit('error', event),
    });
    watchers.add(watched);
    return {
      ...watched,
      close: async () => {
        watchers.delete(watched);
        await watched.close();
      },
    };
  }

  return Object.assign(host, {
    cacheDir,
    cache,
    documents,
    loadDir: loadDirectory as NodePluginHost<Api>['loadDir'],
    async close() {
      await Promise.all([...watchers].map((watched) => watched.close()));
      watchers.clear();
      await closeCore();
    },
    on<K extends keyof NodeHostEvents>(event: K, listener: (payload: NodeHostEvents[K]) => void): Unsubscribe {
      if (event === 'watch') return events.on('watch', listener as (payload: DirChange) => void);
      const off = onCore(event as keyof HostEvents, listener as (payload: unknown) => void);
      if (event !== 'error') return off;
      const offWatch = events.on('error', listener as (payload: HostEvents['error']) => void);
      return () => {
        off();
        offWatch();
      };
    },
  });
}
