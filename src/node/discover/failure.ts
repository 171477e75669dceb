/**
 * The failure report of plugin directory loading: any error met while
 * reading, validating or loading one plugin becomes a PluginLoadError that
 * names the plugin's location, keeping the original error as its `cause`.
 */
import { pathToFileURL } from 'node:url';
import { isPlughubError, PluginLoadError } from '../../core/errors/index.js';
import type { LoadDirFailure } from './types.js';

/** Wraps any failure into a PluginLoadError whose message starts with the location (unless it names it already). */
export function failure(location: string, error: unknown): LoadDirFailure {
  const message = error instanceof Error ? error.message : String(error);
  const known = isPlughubError(error) ? error : undefined;
  return {
    location,
    error: new PluginLoadError(message.includes(location) ? message : `${location}: ${message}`, {
      cause: error,
      ...(known?.plugin !== undefined ? { plugin: known.plugin } : {}),
      ...(known?.version !== undefined ? { version: known.version } : {}),
      url: pathToFileURL(location).href,
    }),
  };
}
