/**
 * The shapes of plugin directory loading (src/node/discover/index.ts): loadDir's
 * options and result, a failure with its location, a plugin found and
 * validated in the directory, what discovery found, and what loading it did.
 * Re-exported from index.ts, which is where importers take them.
 */
import type { PluginLoadError } from '../../core/errors/index.js';
import type { LocalBundle, LoadedPlugin } from '../../core/host/index.js';
import type { Manifest } from '../../core/plugin/index.js';
import type { PlgLimits } from '../../core/plg/index.js';

/** Options of loadDir. */
export interface LoadDirOptions {
  /** Largest bundle read from a plugin folder (default 64 MiB). */
  maxBundleBytes?: number;
  /** Size limits for `.plg` files (default: the registry's DEFAULT_PLG_LIMITS). */
  plgLimits?: Partial<PlgLimits>;
  signal?: AbortSignal;
}

/** A plugin that could not be loaded: where it is and why (the original error is the `cause`). */
export interface LoadDirFailure {
  location: string;
  error: PluginLoadError;
}

/** What loadDir did: the plugins now loaded from the directory, and the failures. */
export interface LoadDirResult {
  loaded: LoadedPlugin[];
  failed: LoadDirFailure[];
}

/** A validated plugin found in the directory, ready for loadBundle. */
export interface FoundPlugin extends LocalBundle {
  parsed: Manifest;
}

/** What a directory holds: its valid plugins by name, their locations in load order, and what could not be read. */
export interface Discovered {
  byName: Map<string, FoundPlugin>;
  order: string[];
  failed: LoadDirFailure[];
}

/** What loadFound did; `reported` holds the locations whose failure the host already sent as an `error` event. */
export interface LoadFoundResult extends LoadDirResult {
  reported: Set<string>;
}
