/**
 * Turns a plugin project into `.plg` bytes for `plughub pack`, `plughub
 * publish` and a build from git: builds the bundle when asked to, or when it
 * is missing or older than its sources, packs plugin.json (as written, or
 * with `origin` set by a build from git), the bundle, the project's
 * README.md, CHANGELOG.md and LICENSE, and the source map when asked to, with
 * the core's packPlg, and reads the result back with readPlg so that a
 * package the registry would refuse is refused here first.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { readPlg, packPlg, bytesToStream, packageTextFile, type PlgFile } from '../../core/plg/index.js';
import type { Manifest } from '../../core/plugin/index.js';
import { buildPlugin, type BuildOptions, type BuildResult } from './build-plugin.js';
import { needsBuild, projectId, readBundle, type PluginProject } from './project.js';
import { SizeLimitError, UsageError } from '../../core/errors/index.js';

/** When to build before packing: always, or when the bundle is missing or older than its sources. */
export type BuildPolicy = 'always' | 'if-stale';

/** How to pack, besides when to build. */
export interface PackOptions {
  /** How to build, when a build runs (minify, source map, where the bundle goes). */
  build?: BuildOptions;
  /** Pack the source map `<bundle>.map` beside the bundle (building one when it is missing or older than the bundle). */
  packSourcemap?: boolean;
  /** plugin.json to pack instead of the project's text (a build from git adds `origin`). */
  manifestText?: string;
}

/** A packed project. */
export interface PackedProject {
  manifest: Manifest;
  /** The `.plg` bytes. */
  bytes: Uint8Array;
  /** The paths inside the package. */
  files: string[];
  /** The bundle's size in bytes. */
  bundleBytes: number;
  /** Set when a build ran. */
  built?: BuildResult;
}

async function mtimeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (info) => (info.isFile() ? info.mtimeMs : undefined),
    () => undefined,
  );
}

/** Reads a text file to pack, refusing one over its package limit before reading it whole. */
async function readTextFile(project: PluginProject, path: string, file: string): Promise<Uint8Array> {
  const { size } = await stat(file);
  const max = packageTextFile(path)?.maxBytes ?? Number.POSITIVE_INFINITY;
  if (size > max) {
    throw new SizeLimitError(`${projectId(project)}: ${file} has ${size} bytes, more than the ${max} a package's ${path} may have: shorten it`, max, {
      plugin: project.manifest.name,
      version: project.manifest.version,
    });
  }
  return new Uint8Array(await readFile(file));
}

/**
 * Packs a project, building it first as the policy says. A project without
 * a source entry (only a prebuilt bundle) is packed as it is. The package
 * holds plugin.json, the bundle, README.md, CHANGELOG.md and LICENSE (LICENSE.md
 * or LICENSE.txt packed as LICENSE) when the project has them, and the
 * source map only with `packSourcemap`.
 */
export async function packProject(project: PluginProject, policy: BuildPolicy, options: PackOptions = {}): Promise<PackedProject> {
  const buildOptions: BuildOptions = { ...options.build, ...(options.packSourcemap === true ? { sourcemap: true } : {}) };
  const bundlePath = buildOptions.bundlePath ?? project.bundlePath;
  const mapPath = `${bundlePath}.map`;
  let built: BuildResult | undefined;
  if (project.entry) {
    let build = policy === 'always' || (await needsBuild(project));
    if (!build && options.packSourcemap === true) {
      const [bundleTime, mapTime] = await Promise.all([mtimeOf(bundlePath), mtimeOf(mapPath)]);
      build = mapTime === undefined || bundleTime === undefined || mapTime < bundleTime;
    }
    if (build) built = await buildPlugin(project, buildOptions);
  }
  const bundle = options.build?.bundlePath === undefined ? await readBundle(project) : new Uint8Array(await readFile(bundlePath));
  const sourcePath = project.manifest.source.path;
  const files = new Map<string, PlgFile>();
  files.set('plugin.json', { path: 'plugin.json', content: options.manifestText ?? project.manifestText });
  files.set(sourcePath, { path: sourcePath, content: bundle });
  if (options.packSourcemap === true) {
    const map = await readFile(mapPath).catch(() => {
      throw new UsageError(`${projectId(project)}: the source map ${mapPath} is missing (no source entry to build it from)`);
    });
    const mapInPackage = `${sourcePath.slice(0, sourcePath.length - basename(sourcePath).length)}${basename(mapPath)}`;
    if (!files.has(mapInPackage)) files.set(mapInPackage, { path: mapInPackage, content: new Uint8Array(map) });
  }
  for (const { path, file } of project.textFiles) {
    if (!files.has(path)) files.set(path, { path, content: await readTextFile(project, path, file) });
  }
  const bytes = new Uint8Array(await new Response(packPlg(files.values())).arrayBuffer());
  const checked = await readPlg(bytesToStream(bytes));
  return {
    manifest: checked.manifest,
    bytes,
    files: [...checked.files.keys()],
    bundleBytes: bundle.byteLength,
    ...(built ? { built } : {}),
  };
}
