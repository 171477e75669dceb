/**
 * go-plugin's manager discovery for Node: `loadDir(host, dir)` finds every
 * plugin in a base directory — each sub-folder holding a plugin.json and the
 * bundle it names, and each `.plg` package file — validates it, and loads it
 * into the host with `loadBundle`. A plugin that fails (invalid manifest,
 * missing bundle, a path that escapes its folder, a syntax error or a throw
 * at import, an unusable package) is reported with its location and reason;
 * the others load regardless. Dependencies named in a manifest load first:
 * from the same directory when it has them, else from the host's registry.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { DependencyCycleError, isPlughubError, ManifestError, PluginLoadError, SizeLimitError } from '../core/errors.js';
import type { LocalBundle, LoadedPlugin, PluginHost } from '../core/host.js';
import { parseManifest, type Manifest } from '../core/manifest.js';
import { DEFAULT_PLG_LIMITS, readPlg, type PlgLimits } from '../core/plg/index.js';

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

const MAX_MANIFEST_BYTES = 1024 * 1024;
const DEFAULT_MAX_BUNDLE = 64 * 1024 * 1024;

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

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
  const manifest = parseManifest(json, { url: pathToFileURL(manifestPath).href });
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
  const pkg = await readPlg(stream, limits);
  return { manifest: pkg.manifestJson, parsed: pkg.manifest, bytes: pkg.bundle, location: file };
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
      if (await lstat(join(path, 'plugin.json')).then(() => true, () => false)) folders.push(path);
    } else if (entry.isFile() && entry.name.endsWith('.plg')) {
      packages.push(path);
    }
  }
  return { folders, packages, failed };
}

/** What a directory holds: its valid plugins by name, their locations in load order, and what could not be read. */
export interface Discovered {
  byName: Map<string, FoundPlugin>;
  order: string[];
  failed: LoadDirFailure[];
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
      failed.push(failure(found.location, new PluginLoadError(`${id}: ${found.parsed.name} is also in ${first.location}; only that one is loaded`, { plugin: found.parsed.name, version: found.parsed.version })));
    } else {
      byName.set(found.parsed.name, found);
    }
  }
  return { byName, order, failed };
}

/** What loadFound did; `reported` holds the locations whose failure the host already sent as an `error` event. */
export interface LoadFoundResult extends LoadDirResult {
  reported: Set<string>;
}

/**
 * Loads the plugins of `targets` (names of `byName`), each after its
 * dependencies: a dependency that is also a target, or found here and not
 * loaded, is loaded from here first; else the version the host has is used;
 * else the registry's. Names in `replace` are reloaded over the version
 * serving (loadBundle with `replace`). Never throws for one plugin.
 */
export async function loadFound(
  host: PluginHost,
  base: string,
  byName: Map<string, FoundPlugin>,
  targets: ReadonlySet<string>,
  options: { signal?: AbortSignal; replace?: ReadonlySet<string> } = {},
): Promise<LoadFoundResult> {
  const cycles = findCycles(byName);
  const pending = new Map<string, Promise<LoadedPlugin>>();
  const fromHost = new WeakSet<object>();
  /** Loads a found plugin after its dependencies, once (the local graph has no cycles left, so no wait can deadlock). */
  function ensure(found: FoundPlugin): Promise<LoadedPlugin> {
    const name = found.parsed.name;
    let work = pending.get(name);
    if (!work) {
      work = (async () => {
        const cycle = cycles.get(name);
        if (cycle) {
          throw new DependencyCycleError(`${name}@${found.parsed.version}: dependency cycle ${cycle.join(' -> ')}`, cycle, {
            plugin: name,
            version: found.parsed.version,
          });
        }
        for (const [dependency, range] of Object.entries(found.parsed.dependencies ?? {})) {
          await ensureDependency(found, dependency, range);
        }
        options.signal?.throwIfAborted();
        const bundle = { manifest: found.manifest, bytes: found.bytes, location: found.location };
        return host.loadBundle(bundle, { replace: options.replace?.has(name) ?? false }).catch((error: unknown) => {
          if (typeof error === 'object' && error !== null) fromHost.add(error);
          throw error;
        });
      })();
      pending.set(name, work);
    }
    return work;
  }

  async function ensureDependency(found: FoundPlugin, dependency: string, range: string): Promise<void> {
    const id = `${found.parsed.name}@${found.parsed.version}`;
    const details = { plugin: found.parsed.name, version: found.parsed.version };
    const local = byName.get(dependency);
    let version: string;
    if (local && (targets.has(dependency) || !host.get(dependency))) {
      try {
        version = (await ensure(local)).version;
      } catch (error) {
        throw new PluginLoadError(`${id}: its dependency ${dependency} (${local.location}) failed to load`, { ...details, cause: error });
      }
    } else if (host.get(dependency)) {
      version = host.get(dependency)!.version;
    } else if (host.registry) {
      version = (await host.load(`${dependency}@${range}`, options.signal ? { signal: options.signal } : {})).version;
    } else {
      throw new PluginLoadError(`${id}: depends on ${dependency}@${range}, which is not in ${base} and no registry is configured`, details);
    }
    if (semver.validRange(range) && !semver.satisfies(version, range, { includePrerelease: true })) {
      throw new PluginLoadError(`${id}: depends on ${dependency}@${range}, but ${dependency}@${version} is loaded`, details);
    }
  }

  const loaded: LoadedPlugin[] = [];
  const failed: LoadDirFailure[] = [];
  const reported = new Set<string>();
  await Promise.all(
    [...targets].map((name) => {
      const found = byName.get(name)!;
      return ensure(found).then(
        (plugin) => void loaded.push(plugin),
        (error: unknown) => {
          failed.push(failure(found.location, error));
          if (typeof error === 'object' && error !== null && fromHost.has(error)) reported.add(found.location);
        },
      );
    }),
  );
  return { loaded, failed, reported };
}

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

/** Compares loaded plugins by the position of their location in `order` (discover's). */
export function inOrder(order: string[]): (a: LoadedPlugin, b: LoadedPlugin) => number {
  const rank = (plugin: LoadedPlugin) => order.indexOf(plugin.origin.kind === 'local' ? plugin.origin.location : '');
  return (a, b) => rank(a) - rank(b);
}

/** The plugins of `found` that sit on a cycle of local dependencies, each with its cycle (first name repeated last). */
function findCycles(found: Map<string, FoundPlugin>): Map<string, string[]> {
  const cycles = new Map<string, string[]>();
  const done = new Set<string>();
  const stack: string[] = [];
  function visit(name: string): void {
    const open = stack.indexOf(name);
    if (open !== -1) {
      const cycle = [...stack.slice(open), name];
      for (const member of stack.slice(open)) if (!cycles.has(member)) cycles.set(member, cycle);
      return;
    }
    if (done.has(name)) return;
    stack.push(name);
    for (const dependency of Object.keys(found.get(name)?.parsed.dependencies ?? {})) {
      if (found.has(dependency)) visit(dependency);
    }
    stack.pop();
    done.add(name);
  }
  for (const name of found.keys()) visit(name);
  return cycles;
}
