/**
 * go-plugin's manager discovery for Node: `loadDir(host, dir)` finds every
 * plugin in a base directory — each sub-folder holding a plugin.json and the
 * bundle it names, and each `.plg` package file — validates it, and loads it
 * into the host with `loadBundle`. A plugin that fails (invalid manifest,
 * missing bundle, a path that escapes its folder, a syntax error or a throw
 * at import, an unusable package) is reported with its location and reason;
 * the others load regardless. Dependencies named in a manifest load first:
 * from the same directory when it has them, else from the host's registry.
 * Finding and validating is in find.ts, loading in dependency order in
 * load.ts, the failure report in failure.ts, the shared types in types.ts
 * and the watcher that reloads a directory as it changes in watch.ts; all
 * are re-exported here, the public face of this folder.
 */
import { resolve } from 'node:path';
import type { PluginHost } from '../../core/host/index.js';
import { discover } from './find.js';
import { inOrder, loadFound } from './load.js';
import type { LoadDirOptions, LoadDirResult } from './types.js';
export { watchDir, type DirChange, type WatchedDir, type WatchHooks, type WatchOptions } from './watch.js';

export { failure } from './failure.js';
export { discover, readPluginAt } from './find.js';
export { inOrder, loadFound } from './load.js';
export type {
  Discovered,
  FoundPlugin,
  LoadDirFailure,
  LoadDirOptions,
  LoadDirResult,
  LoadFoundResult,
} from './types.js';

/**
 * Discovers, validates and loads every plugin in `dir` into `host`. Never
 * throws for a bad plugin: each one is in `failed` with its reason. Throws
 * only when `dir` itself cannot be read, or when `signal` aborts.
 *
 * @example
 * const { loaded, failed } = await loadDir(host, '/srv/plugins');
 * for (const { location, error } of failed) console.warn(error.message);
 */
export async function loadDir(host: PluginHost, dir: string, options: LoadDirOptions = {}): Promise<LoadDirResult> {
  const base = resolve(dir);
  const { byName, order, failed } = await discover(base, options);
  const result = await loadFound(host, base, byName, new Set(byName.keys()), options.signal ? { signal: options.signal } : {});
  options.signal?.throwIfAborted();
  failed.push(...result.failed);
  return { loaded: result.loaded.sort(inOrder(order)), failed: failed.sort((a, b) => a.location.localeCompare(b.location)) };
}
