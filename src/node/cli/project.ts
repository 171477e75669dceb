/**
 * A plugin project on disk, as `build`, `pack`, `publish` and `run` see it:
 * a folder with plugin.json (validated with the core schema), a source entry
 * (`src/index.ts`, `.mts`, `.js` or `.mjs`) when the bundle is built here,
 * the bundle at `source.path`, and the optional README.md, CHANGELOG.md and
 * LICENSE (or LICENSE.md, LICENSE.txt) that a package carries. Errors name
 * the folder or file that is wrong and say what to do.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ManifestError, UsageError } from '../../core/errors/index.js';
import { parseManifest, type Manifest } from '../../core/plugin/index.js';

/** Where each package text file is looked for in a project, in this order; the first found is packed under the package path. */
const TEXT_FILE_CANDIDATES: readonly { path: string; candidates: readonly string[] }[] = [
  { path: 'README.md', candidates: ['README.md'] },
  { path: 'CHANGELOG.md', candidates: ['CHANGELOG.md'] },
  { path: 'LICENSE', candidates: ['LICENSE', 'LICENSE.md', 'LICENSE.txt'] },
];

/** A text file of the project that goes into its package. */
export interface ProjectTextFile {
  /** Its path in the package: `README.md`, `CHANGELOG.md` or `LICENSE`. */
  path: string;
  /** Its absolute path on disk. */
  file: string;
}

/** The source files `plughub build` looks for, in this order. */
const ENTRY_CANDIDATES = ['src/index.ts', 'src/index.mts', 'src/index.js', 'src/index.mjs'] as const;

/** A plugin project folder, read and validated. */
export interface PluginProject {
  /** Absolute folder. */
  dir: string;
  manifestPath: string;
  /** plugin.json exactly as written (packed as is). */
  manifestText: string;
  manifest: Manifest;
  /** Absolute path of the source entry, when the project has one. */
  entry?: string;
  /** Absolute path of the bundle (`source.path`). */
  bundlePath: string;
  /** README.md, CHANGELOG.md and LICENSE, those the project has. */
  textFiles: ProjectTextFile[];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** The first existing entry candidate of `dir`, or undefined. */
async function findEntry(dir: string): Promise<string | undefined> {
  for (const candidate of ENTRY_CANDIDATES) {
    const path = join(dir, candidate);
    if (await isFile(path)) return path;
  }
  return undefined;
}

/** The project's text files to pack, each the first of its candidates that exists. */
async function findTextFiles(dir: string): Promise<ProjectTextFile[]> {
  const found: ProjectTextFile[] = [];
  for (const { path, candidates } of TEXT_FILE_CANDIDATES) {
    for (const candidate of candidates) {
      const file = join(dir, candidate);
      if (await isFile(file)) {
        found.push({ path, file });
        break;
      }
    }
  }
  return found;
}

/**
 * Reads the plugin project in `dir` (relative to `cwd`). Throws UsageError
 * when the folder or its plugin.json is missing, ManifestError when
 * plugin.json is not valid JSON or not a valid manifest.
 */
export async function readProject(dir: string, cwd: string): Promise<PluginProject> {
  const folder = resolve(cwd, dir);
  const info = await stat(folder).catch(() => undefined);
  if (!info) throw new UsageError(`${folder} does not exist`);
  if (!info.isDirectory()) throw new UsageError(`${folder} is not a folder`);
  const manifestPath = join(folder, 'plugin.json');
  const manifestText = await readFile(manifestPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new UsageError(`${folder} has no plugin.json (create a plugin project with: plughub init <name>)`);
    }
    throw error;
  });
  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch (error) {
    const reason = (error as Error).message;
    throw new ManifestError(`${manifestPath} is not valid JSON: ${reason}`, [{ path: '(root)', message: `not valid JSON: ${reason}` }], {
      url: manifestPath,
      cause: error,
    });
  }
  const manifest = parseManifest(json, { url: manifestPath });
  const entry = await findEntry(folder);
  return {
    dir: folder,
    manifestPath,
    manifestText,
    manifest,
    ...(entry ? { entry } : {}),
    bundlePath: resolve(folder, manifest.source.path),
    textFiles: await findTextFiles(folder),
  };
}

/** The newest modification time (ms) of the files under `dir`, node_modules left out. */
async function newestUnder(dir: string): Promise<number> {
  let newest = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestUnder(path));
    else if (entry.isFile()) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/**
 * True when the project has a source entry and its bundle is missing or
 * older than plugin.json or a file under src/ (so it needs a build).
 */
export async function needsBuild(project: PluginProject): Promise<boolean> {
  if (!project.entry) return false;
  const bundle = await stat(project.bundlePath).catch(() => undefined);
  if (!bundle?.isFile()) return true;
  const sources = Math.max((await stat(project.manifestPath)).mtimeMs, await newestUnder(join(project.dir, 'src')));
  return sources > bundle.mtimeMs;
}

/** Reads the project's bundle; throws UsageError naming the file and `plughub build` when it is missing. */
export async function readBundle(project: PluginProject): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(project.bundlePath));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const id = `${project.manifest.name}@${project.manifest.version}`;
    const hint = project.entry ? `run plughub build ${project.dir}` : `no src/index.ts or src/index.js to build it from`;
    throw new UsageError(`${id}: the bundle ${project.bundlePath} is missing (${hint})`, {
      plugin: project.manifest.name,
      version: project.manifest.version,
    });
  }
}

/** `name@version` of the project. */
export function projectId(project: PluginProject): string {
  return `${project.manifest.name}@${project.manifest.version}`;
}

/** A path for messages: relative to `cwd` when it is inside it, else absolute. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}

/**
 * The file name of a plugin's package: `<name>-<version>.plg`, with a scope's
 * `@` dropped and its `/` turned into `-`.
 *
 * @example plgFileName('@acme/hello', '1.0.0') // 'acme-hello-1.0.0.plg'
 */
export function plgFileName(name: string, version: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.plg`;
}
