/**
 * Where plughub keeps its files in Node, and which registry a host talks to
 * when the caller does not say: the cache directory comes from the option,
 * `PLUGHUB_CACHE_DIR`, or `$XDG_CACHE_HOME/plughub` (`~/.cache/plughub`); the
 * registry from the option or `PLUGHUB_REGISTRY`. The environment and the
 * home directory are passed in so tests need not touch `process.env`.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** The environment variables the Node adapter reads. */
export type Env = Record<string, string | undefined>;

/** A non-empty, trimmed value or undefined. */
function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * The cache directory: `explicit`, else `PLUGHUB_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/plughub` (an XDG value that is not absolute is ignored, as
 * the XDG spec says), else `~/.cache/plughub`. Always an absolute path.
 *
 * @example defaultCacheDir(undefined, { XDG_CACHE_HOME: '/var/cache/me' }) // '/var/cache/me/plughub'
 */
export function defaultCacheDir(explicit?: string, env: Env = process.env, home: string = homedir()): string {
  const chosen = present(explicit) ?? present(env.PLUGHUB_CACHE_DIR);
  if (chosen) return resolve(chosen);
  const xdg = present(env.XDG_CACHE_HOME);
  if (xdg && isAbsolute(xdg)) return join(xdg, 'plughub');
  return join(home, '.cache', 'plughub');
}

/** The registry URL: `explicit` when given, else `PLUGHUB_REGISTRY`, else undefined (local bundles only). */
export function defaultRegistry<T>(explicit: T | undefined, env: Env = process.env): T | string | undefined {
  if (explicit !== undefined && explicit !== '') return explicit;
  return present(env.PLUGHUB_REGISTRY);
}
