/**
 * `plughub build git+<url>#<ref>`: a build that anyone can repeat from a
 * repository. The ref (a tag, a full commit hash, or a branch with
 * `allowBranch`) is fetched into a temporary folder, its npm dependencies are
 * installed from the lockfile with `npm ci --ignore-scripts` (so that no code
 * of the repository or its dependencies runs: the build itself is plughub's
 * rollup build, which runs none either), the bundle is built and packed with
 * `origin: { type: 'git', url, commit, ref }` added to plugin.json, and the
 * bundle (with its source map, when asked for) and the `.plg` are written to
 * `outDir`. The temporary folder is removed in every case: success, failure,
 * and SIGINT, SIGTERM or SIGHUP (which also end git and npm).
 */
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { UsageError } from '../../core/errors/index.js';
import type { Manifest } from '../../core/plugin/index.js';
import { writeFileAtomic } from '../atomic-write.js';
import type { BuildResult } from './build-plugin.js';
import { checkOut, parseGitSpec, type GitRefKind } from './git-source.js';
import { packProject } from './pack-project.js';
import { plgFileName, readProject } from './project.js';
import { runProcess } from './run-process.js';

/** What a build from git records in plugin.json. */
export interface GitOrigin {
  type: 'git';
  /** The repository URL, without credentials. */
  url: string;
  /** The full hash of the commit built. */
  commit: string;
  /** The tag or branch asked for (absent when a commit hash was). */
  ref?: string;
}

/** How to build from git. */
export interface GitBuildOptions {
  /** Where the bundle, its source map and the `.plg` go (absolute; created when missing). */
  outDir: string;
  /** Accept a branch as the ref. */
  allowBranch?: boolean;
  minify?: boolean;
  /** Write the source map beside the bundle in `outDir`. */
  sourcemap?: boolean;
  /** Also pack the source map into the `.plg` (implies `sourcemap`). */
  packSourcemap?: boolean;
  /** The environment git and npm run in (PATH, HOME, credential helpers, npm settings). */
  env: Record<string, string | undefined>;
  /** Ends the build (and git and npm) when aborted. */
  signal?: AbortSignal;
  /** Told each step as it starts: `fetching …`, `installing …`, `building …`. */
  onStep?: (step: string) => void;
}

/** What a build from git wrote. */
export interface GitBuildResult {
  manifest: Manifest;
  origin: GitOrigin;
  /** What the ref was. */
  kind: GitRefKind;
  /** Absolute path of the `.plg`, its size in bytes and the paths inside it. */
  plgPath: string;
  plgBytes: number;
  files: string[];
  /** Absolute path of the bundle written beside the `.plg`. */
  bundlePath: string;
  /** Absolute path of its source map, when one was asked for. */
  sourcemapPath?: string;
  build: BuildResult;
  warnings: string[];
}

/** npm ci may take this long (a cold cache and many dependencies). */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Until the returned function is called, a signal aborts `controller`, removes `folder` and ends the process as the signal would. */
function removeOnSignal(folder: string, controller: AbortController): () => void {
  const handler = (signal: NodeJS.Signals) => {
    controller.abort();
    rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
    release();
    process.kill(process.pid, signal);
  };
  const release = () => {
    for (const signal of SIGNALS) process.off(signal, handler);
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  return release;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Installs the project's dependencies from its lockfile; a project without package.json has none. Throws UsageError when package.json has no lockfile beside it. */
async function installDependencies(dir: string, where: string, options: GitBuildOptions, signal: AbortSignal): Promise<boolean> {
  if (!(await exists(join(dir, 'package.json')))) return false;
  if (!(await exists(join(dir, 'package-lock.json'))) && !(await exists(join(dir, 'npm-shrinkwrap.json')))) {
    throw new UsageError(
      `${where}: the project has a package.json but no package-lock.json: a build from git installs exactly what the lockfile says (commit one made by npm install)`,
    );
  }
  options.onStep?.(`installing dependencies: npm ci --ignore-scripts`);
  await runProcess('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: { ...options.env, npm_config_update_notifier: 'false' },
    timeoutMs: INSTALL_TIMEOUT_MS,
    maxStdoutBytes: 4 * 1024 * 1024,
    signal,
    what: `${where}: npm ci`,
  });
  return true;
}

/**
 * Builds and packs `git+<url>#<ref>` into `options.outDir`. Throws
 * UsageError for a bad spec, a branch without `allowBranch`, a ref the
 * repository lacks, a project without plugin.json or with package.json and
 * no lockfile; BuildError when git, npm or the build fails.
 *
 * @example await buildFromGit('git+https://github.com/acme/hello.git#v1.0.0', { outDir: process.cwd(), env: process.env });
 */
export async function buildFromGit(specText: string, options: GitBuildOptions): Promise<GitBuildResult> {
  const spec = parseGitSpec(specText);
  const where = `${spec.url}#${spec.ref}`;
  const controller = new AbortController();
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
  const temp = await mkdtemp(join(tmpdir(), 'plughub-git-'));
  const release = removeOnSignal(temp, controller);
  try {
    const repo = join(temp, 'repo');
    await mkdir(repo);
    options.onStep?.(`fetching ${where}`);
    const checked = await checkOut(spec, repo, options.allowBranch === true, { env: options.env, signal });
    const project = await readProject(repo, repo).catch((error: unknown) => {
      if (error instanceof UsageError) throw new UsageError(`${where}: the repository has no plugin.json at its root`, { cause: error });
      throw error;
    });
    await installDependencies(repo, where, options, signal);
    const origin: GitOrigin = { type: 'git', url: spec.url, commit: checked.commit, ...(checked.kind === 'commit' ? {} : { ref: spec.ref }) };
    const warnings: string[] = [];
    const manifestJson = JSON.parse(project.manifestText) as Record<string, unknown>;
    if (manifestJson.origin !== undefined) warnings.push(`plugin.json's own "origin" is replaced by the one of this build`);
    const manifestText = `${JSON.stringify({ ...manifestJson, origin }, null, 2)}\n`;
    const { name, version } = project.manifest;
    const base = plgFileName(name, version).slice(0, -'.plg'.length);
    const built = join(temp, 'out', `${base}${extname(project.manifest.source.path) || '.js'}`);
    options.onStep?.(`building ${name}@${version} at ${checked.commit.slice(0, 12)}`);
    const packed = await packProject(project, 'always', {
      build: { minify: options.minify === true, sourcemap: options.sourcemap === true || options.packSourcemap === true, bundlePath: built },
      packSourcemap: options.packSourcemap === true,
      manifestText,
    });
    const build = packed.built as BuildResult;
    warnings.push(...build.warnings);
    await mkdir(options.outDir, { recursive: true });
    const bundlePath = join(options.outDir, `${base}${extname(built)}`);
    await writeFileAtomic(bundlePath, await readFile(built));
    let sourcemapPath: string | undefined;
    if (build.sourcemapPath !== undefined) {
      sourcemapPath = `${bundlePath}.map`;
      await writeFileAtomic(sourcemapPath, await readFile(build.sourcemapPath));
    }
    const plgPath = join(options.outDir, plgFileName(name, version));
    await writeFileAtomic(plgPath, packed.bytes);
    return {
      manifest: packed.manifest,
      origin,
      kind: checked.kind,
      plgPath,
      plgBytes: packed.bytes.byteLength,
      files: packed.files,
      bundlePath,
      ...(sourcemapPath !== undefined ? { sourcemapPath } : {}),
      build: { ...build, path: bundlePath, ...(sourcemapPath !== undefined ? { sourcemapPath } : {}) },
      warnings,
    };
  } finally {
    release();
    await rm(temp, { recursive: true, force: true, maxRetries: 3 });
  }
}
