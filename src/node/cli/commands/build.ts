/**
 * `plughub build [dir | git+<url>#<ref>]`: bundles a plugin project's source
 * entry into one self-contained ES module at its plugin.json `source.path`
 * (see build-plugin.ts), or builds and packs a tagged commit of a git
 * repository into the current folder (see build-from-git.ts), and prints
 * where the files went and their sizes, against the registry's size limit.
 */
import { UsageError } from '../../../core/errors/index.js';
import { resolve } from 'node:path';
import { buildFromGit } from '../build-from-git.js';
import { buildPlugin, type BuildResult } from '../build-plugin.js';
import { atMost } from '../args.js';
import { bundleSizeNotes } from '../bundle-size.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { isGitSpec } from '../git-source.js';
import { formatBytes, printJson, printLines } from '../output.js';
import { displayPath, projectId, readProject } from '../project.js';

const usage = `usage: plughub build [dir] [--minify] [--sourcemap] [--json]
       plughub build git+<url>#<tag or commit> [--out DIR] [--allow-branch]
                     [--minify] [--sourcemap] [--pack-sourcemap] [--json]

Bundles the plugin project in dir (default: the current folder) with rollup:
src/index.ts, .mts, .js or .mjs and everything it imports (npm packages
included) become one ES module at plugin.json's source.path.

From a git repository (git+https://, git+ssh:// or git+file://), it fetches
the tag or full commit hash after # into a temporary folder (removed
afterwards), installs its dependencies with npm ci --ignore-scripts (the
project must have a package-lock.json when it has a package.json), builds,
and writes <name>-<version>.js and <name>-<version>.plg into DIR (default:
the current folder). plugin.json in the .plg gains "origin": the repository
URL (without credentials), the full commit hash and the ref.

  --minify          minify the bundle with esbuild (prints the size before)
  --sourcemap       write a source map beside the bundle (<bundle>.map)
  --out DIR         (git) where the bundle and the .plg go (default: .)
  --allow-branch    (git) accept a branch, whose commit moves, as the ref
  --pack-sourcemap  (git) also pack the source map into the .plg
  --json            print { name, version, path, bytes, warnings, … } as JSON

The size is checked against the registry's default limit for one file
(10 MiB): a warning says when the bundle is near it or over it.
`;

/** The `build` command. */
export const build: Command = {
  name: 'build',
  summary: 'bundle a plugin project (or a git tag) into one self-contained ES module',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('build', argv, {
      json: { type: 'boolean' },
      minify: { type: 'boolean' },
      sourcemap: { type: 'boolean' },
      out: { type: 'string', short: 'o' },
      'allow-branch': { type: 'boolean' },
      'pack-sourcemap': { type: 'boolean' },
    });
    atMost('build', positionals, 1);
    const target = positionals[0] ?? '.';
    if (isGitSpec(target)) {
      await buildGit(target, values, io);
      return;
    }
    for (const flag of ['out', 'allow-branch', 'pack-sourcemap'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`build: --${flag} is for a build from git+<url>#<ref> (see plughub build --help)`);
    }
    const project = await readProject(target, io.cwd);
    const result = await buildPlugin(project, { minify: values.minify === true, sourcemap: values.sourcemap === true });
    const notes = bundleSizeNotes(result);
    for (const warning of [...result.warnings, ...notes.warnings]) io.stderr.write(`plughub build: warning: ${warning}\n`);
    if (values.json) {
      const { name, version } = project.manifest;
      printJson(io, { name, version, ...jsonOf(result, notes.limit) });
      return;
    }
    const map = result.sourcemapPath === undefined ? '' : ` and ${displayPath(result.sourcemapPath, io.cwd)}`;
    printLines(io, [`built ${projectId(project)}: ${displayPath(result.path, io.cwd)}${map} (${sizeText(result)})`]);
  },
};

/** `312 B`, or `1.2 KB, 3.4 KB before --minify`. */
function sizeText(result: BuildResult): string {
  const before = result.unminifiedBytes === undefined ? '' : `, ${formatBytes(result.unminifiedBytes)} before --minify`;
  return `${formatBytes(result.bytes)}${before}`;
}

function jsonOf(result: BuildResult, limit: number) {
  return {
    path: result.path,
    bytes: result.bytes,
    ...(result.unminifiedBytes !== undefined ? { unminifiedBytes: result.unminifiedBytes } : {}),
    ...(result.sourcemapPath !== undefined ? { sourcemap: result.sourcemapPath } : {}),
    limit,
    warnings: result.warnings,
  };
}

async function buildGit(spec: string, values: Record<string, string | boolean | undefined>, io: CliIO): Promise<void> {
  const result = await buildFromGit(spec, {
    outDir: resolve(io.cwd, typeof values.out === 'string' ? values.out : '.'),
    allowBranch: values['allow-branch'] === true,
    minify: values.minify === true,
    sourcemap: values.sourcemap === true,
    packSourcemap: values['pack-sourcemap'] === true,
    env: io.env,
    onStep: (step) => io.stderr.write(`plughub build: ${step}\n`),
  });
  const notes = bundleSizeNotes(result.build);
  for (const warning of [...result.warnings, ...notes.warnings]) io.stderr.write(`plughub build: warning: ${warning}\n`);
  const { name, version } = result.manifest;
  if (values.json) {
    printJson(io, {
      name,
      version,
      origin: result.origin,
      ...jsonOf({ ...result.build, warnings: result.warnings }, notes.limit),
      package: { path: result.plgPath, bytes: result.plgBytes, files: result.files },
    });
    return;
  }
  const branch = result.kind === 'branch' ? ' (a branch: this build may not be repeatable)' : '';
  const map = result.sourcemapPath === undefined ? '' : ` and ${displayPath(result.sourcemapPath, io.cwd)}`;
  printLines(io, [
    `built ${name}@${version} from ${result.origin.url} at ${result.origin.commit}${result.origin.ref === undefined ? '' : ` (${result.origin.ref})`}${branch}`,
    `  bundle   ${displayPath(result.bundlePath, io.cwd)}${map} (${sizeText(result.build)})`,
    `  package  ${displayPath(result.plgPath, io.cwd)} (${formatBytes(result.plgBytes)}; ${result.files.join(', ')})`,
  ]);
}
