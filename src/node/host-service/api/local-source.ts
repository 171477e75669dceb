/**
 * Which local plugins the management API may load: only a plugin folder or
 * `.plg` file under one of the directories the configuration allows
 * (`api.allowLoadFrom`; none by default, which turns local loads off). A
 * relative path is taken from the first of those directories. The path is
 * checked twice: as written (a `..` that climbs out is refused before the
 * filesystem is asked anything) and as the filesystem resolves it
 * (`realpath`, so a symbolic link that leads out is refused too). The plugin
 * is then read with the checks of a plugin directory (discover/find.ts: its
 * plugin.json and bundle really inside its folder, sizes bounded).
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { readPluginAt, type FoundPlugin } from '../../discover/index.js';
import { ApiError } from './errors.js';

/** True when `path` is `dir` or below it. */
function within(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of an allowed directory, or undefined when it does not exist. */
async function realDir(dir: string): Promise<string | undefined> {
  try {
    return await realpath(dir);
  } catch {
    return undefined;
  }
}

/**
 * The real path of `path` when it is under one of `allowed` (absolute
 * directories), as written and as resolved; throws a 403 ApiError when it
 * is not, a 404 when it does not exist.
 */
export async function allowedLocation(path: string, allowed: readonly string[]): Promise<string> {
  if (allowed.length === 0) {
    throw new ApiError(
      403,
      'E_PATH_NOT_ALLOWED',
      'loading local plugins through the API is off: the configuration allows no directory (api.allowLoadFrom, --api-allow-load-from DIR)',
    );
  }
  const shown = JSON.stringify(path.slice(0, 300));
  const refused = () =>
    new ApiError(403, 'E_PATH_NOT_ALLOWED', `${shown} is not under a directory the host may load plugins from (api.allowLoadFrom: ${allowed.join(', ')})`);
  const written = resolve(allowed[0]!, path);
  const home = allowed.find((dir) => within(dir, written));
  if (home === undefined) throw refused();
  let real: string;
  try {
    real = await realpath(written);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError(404, 'E_NOT_FOUND', `${shown}: no such file or folder (${written})`);
    throw error;
  }
  for (const dir of allowed) {
    const realHome = await realDir(dir);
    if (realHome !== undefined && within(realHome, real)) return real;
  }
  throw refused();
}

/** Reads the plugin at an allowed location (a folder with plugin.json, or a .plg file). */
export async function readAllowedPlugin(path: string, allowed: readonly string[], maxBundleBytes?: number): Promise<FoundPlugin> {
  const location = await allowedLocation(path, allowed);
  return readPluginAt(location, maxBundleBytes === undefined ? {} : { maxBundleBytes });
}
