/**
 * Discovery of the plugins in a directory, without loading any: each
 * sub-folder holding a plugin.json and the bundle it names (both really
 * inside the folder), and each `.plg` package file (unpacked with readPlg,
 * limits checked while reading). Symbolic links are reported, not followed;
 * a second plugin of the same name is a failure. Each problem is reported
 * with its location; the other plugins are found regardless. A folder's
 * plugin.json is parsed on the read path (`{ strict: false }`), as hosts
 * parse registry documents: only what is acted on is bounded.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ManifestError, PluginLoadError, SizeLimitError } from '../../core/errors/index.js';
import { parseManifest } from '../../core/plugin/index.js';
import { DEFAULT_PLG_LIMITS, readPlg, type PlgLimits } from '../../core/plg/index.js';
import { failure } from './failure.js';
import type { Discovered, FoundPlugin, LoadDirFailure, LoadDirOptions } from './types.js';

const MAX_MANIFEST_BYTES = 1024 * 1024;
const DEFAULT_MAX_BUNDLE = 64 * 1024 * 1024;

/** Whether `path` is strictly below `folder` (both real paths). */
function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Reads and validates a plugin folder: plugin.json, then its bundle, both really inside the folder. */
async function readFolder(folder: string, maxBundleBytes: number): Promise<FoundPlugin> {
  const realFolder = await realpath(folder);
  const manifestPath = join(folder, 'plugin.json');
  const realManifest = await realpath(manifestPath);
  if (!inside(realFolder, realManifest)) {
    throw new PluginLoadError(`${manifestPath} is a link to ${realManifest}, outside the plugin folder`);
  }
  const info = await stat(realManifest);
  if (!info.isFile()) throw new PluginLoadError(`${manifestPath} is not a regular file`);
  if (info.size > MAX_MANIFEST_BYTES) {
    throw new SizeLimitError(`${manifestPath} has ${info.size} bytes, more than ${MAX_MANIFEST_BYTES}`, MAX_MANIFEST_BYTES);
  }
  const text = await readFile(realManifest, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    throw new ManifestError(`${manifestPath} is not valid JSON: ${reason}`, [{ path: '(root)', message: `not valid JSON: ${reason}` }], {
      url: pathToFileURL(manifestPath).href,
      cause: error,
    });
  }
  const manifest = parseManifest(json, { url: pathToFileURL(manifestPath).href }, { strict: false });
  const id = `${manifest.name}@${manifest.version}`;
  const details = { plugin: manifest.name, version: manifest.version };
  const bundlePath = resolve(folder, manifest.source.path);
  let realBundle: string;
  try {
    realBundle = await realpath(bundlePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new PluginLoadError(`${id}: the bundle ${manifest.source.path} named by plugin.json is missing (${bundlePath})`, details);
  }
  if (!inside(realFolder, realBundle)) {
    throw new PluginLoadError(`${id}: the bundle ${bundlePath} resolves to ${realBundle}, outside the plugin folder ${folder}`, details);
  }
  const bundleInfo = await stat(realBundle);
  if (!bundleInfo.isFile()) throw new PluginLoadError(`${id}: the bundle ${bundlePath} is not a regular file`, details);
  if (bundleInfo.size > maxBundleBytes) {
    throw new SizeLimitError(`${id}: the bundle ${bundlePath} has ${bundleInfo.size} bytes, more than ${maxBundleBytes}`, maxBundleBytes, details);
  }
  const bytes = new Uint8Array(await readFile(realBundle));
  return { manifest: json, parsed: manifest, bytes, location: folder };
}

/** Unpacks and validates a .plg file with readPlg (streamed, limits checked while reading). */
async function readPackage(file: string, limits: PlgLimits): Promise<FoundPlugin> {
  const stream = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
  const pkg = await readPlg(stream, limits, { strictManifest: false });
  return { manifest: pkg.manifestJson, parsed: pkg.manifest, bytes: pkg.bundle, location: file };
}

/** Reads and validates one plugin: a folder with a plugin.json, or a .plg file (the same checks as for a directory's plugins). */
export async function readPluginAt(location: string, options: LoadDirOptions = {}): Promise<FoundPlugin> {
  if (location.endsWith('.plg')) return readPackage(location, { ...DEFAULT_PLG_LIMITS, ...options.plgLimits });
  return readFolder(location, options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE);
}

/** Lists the plugin locations of `dir`: folders with a plugin.json and .plg files, in name order. */
async function scan(dir: string): Promise<{ folders: string[]; packages: string[]; failed: LoadDirFailure[] }> {
  const folders: string[] = [];
  const packages: string[] = [];
  const failed: LoadDirFailure[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      if (entry.name.endsWith('.plg') || target?.isDirectory()) {
        failed.push(failure(path, new PluginLoadError(`${path} is a symbolic link; loadDir does not follow links out of ${dir}`)));
      }
    } else if (entry.isDirectory()) {
      if (
        await lstat(join(path, 'plugin.json')).then(
          () => true,
          () => false,
        )
      )
        folders.push(path);
    } else if (entry.isFile() && entry.name.endsWith('.plg')) {
      packages.push(path);
    }
  }
  return { folders, packages, failed };
}

/**
 * Reads and validates every plugin of `base` without loading any. A second
 * plugin of the same name is a failure; the first (in name order) is kept.
 * Throws only when `base` itself cannot be read.
 */
export async function discover(base: string, options: LoadDirOptions = {}): Promise<Discovered> {
  const limits: PlgLimits = { ...DEFAULT_PLG_LIMITS, ...options.plgLimits };
  const maxBundleBytes = options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE;
  const { folders, packages, failed } = await scan(base);
  const order = [...folders, ...packages];
  const read = await Promise.all(
    order.map((location) =>
      (folders.includes(location) ? readFolder(location, maxBundleBytes) : readPackage(location, limits)).then(
        (found) => ({ found }),
        (error: unknown) => ({ error: failure(location, error) }),
      ),
    ),
  );
  const byName = new Map<string, FoundPlugin>();
  for (const result of read) {
    if ('error' in result) {
      failed.push(result.error);
      continue;
    }
    const { found } = result;
    const first = byName.get(found.parsed.name);
    if (first) {
      const id = `${found.parsed.name}@${found.parsed.version}`;
      failed.push(
        failure(
          found.location,
          new PluginLoadError(`${id}: ${found.parsed.name} is also in ${first.location}; only that one is loaded`, {
            plugin: found.parsed.name,
            version: found.parsed.version,
          }),
        ),
      );
    } else {
      byName.set(found.parsed.name, found);
    }
  }
  return { byName, order, failed };
}
