/**
 * `createPluginHost`: the core host composed with the Node adapters — the
 * filesystem blob and document caches under one cache directory, and the
 * file loader — plus go-plugin's directory discovery (`loadDir`). Defaults
 * come from the environment: `PLUGHUB_REGISTRY` for the registry,
 * `PLUGHUB_CACHE_DIR` or `$XDG_CACHE_HOME/plughub` (`~/.cache/plughub`) for
 * the cache.
 */
import { createHost, type HostOptions, type PluginHost } from '../core/host.js';
import { loadDir, type LoadDirOptions, type LoadDirResult } from './discover.js';
import { createFileLoader } from './file-loader.js';
import { createFsBlobCache, type FsBlobCache } from './fs-blob-cache.js';
import { createFsDocumentCache, type FsDocumentCache } from './fs-document-cache.js';
import { defaultCacheDir, defaultRegistry, type Env } from './paths.js';

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
export interface NodePluginHost<Api = unknown> extends PluginHost<Api> {
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
  loadDir(dir: string, options?: LoadDirOptions): Promise<LoadDirResult>;
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
  const cache = createFsBlobCache(cacheDir);
  const documents = createFsDocumentCache(cacheDir);
  const host = createHost<Api>({
    ...rest,
    ...(registry !== undefined ? { registry } : {}),
    cache,
    documents,
    loader: options.loader ?? createFileLoader(),
  });
  const maxBundleBytes = options.maxBundleBytes;
  return Object.assign(host, {
    cacheDir,
    cache,
    documents,
    loadDir: (dir: string, loadOptions: LoadDirOptions = {}) =>
      loadDir(host as PluginHost, dir, { ...(maxBundleBytes !== undefined ? { maxBundleBytes } : {}), ...loadOptions }),
  });
}
