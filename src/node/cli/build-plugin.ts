/**
 * The plugin build behind `plughub build`: rollup turns the project's source
 * entry into one self-contained ES-module bundle at `source.path`. npm
 * dependencies are inlined (node-resolve, CommonJS converted), TypeScript,
 * JSX and JSON imports are compiled by esbuild (no type checking), dynamic imports are inlined
 * so the bundle is a single file, and `node:` built-ins stay imports (such a
 * plugin runs in Node only). With `minify`, esbuild minifies the bundle
 * (whose size before and after is reported); with `sourcemap`, a source map
 * is written beside it as `<bundle>.map` (a stale one is removed when a build
 * writes none). `definePlugin` imported from `plughub` or
 * `plughub/core` is replaced by an inline identity function, so a plugin
 * project does not need plughub installed to build. An import that cannot be
 * resolved fails the build with the file and the module it names.
 */
import { builtinModules } from 'node:module';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { Plugin, RollupError, RollupLog } from 'rollup';
import { PlughubError, registerErrorName } from '../../core/errors/index.js';
import { importOptionalPackages } from './optional-packages.js';
import type { PluginProject } from './project.js';

/** What a build wrote. */
export interface BuildResult {
  /** Absolute path of the bundle. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** With `minify`: the size the bundle would have had without it. */
  unminifiedBytes?: number;
  /** With `sourcemap`: absolute path of the source map (`<bundle>.map`). */
  sourcemapPath?: string;
  /** Rollup's warnings, one line each (unresolved imports are errors, not warnings). */
  warnings: string[];
}

/** How to build. */
export interface BuildOptions {
  /** Minify the bundle with esbuild (identifiers, whitespace, syntax). */
  minify?: boolean;
  /** Write a source map beside the bundle, as `<bundle>.map`, referred to by a `sourceMappingURL` comment. */
  sourcemap?: boolean;
  /** Write the bundle here instead of at the project's `source.path` (absolute). */
  bundlePath?: string;
}

/** The plugin build failed; the message names the file, line and the problem. */
export class BuildError extends PlughubError {
  override name = 'BuildError';
  constructor(message: string, details: { plugin?: string; version?: string; cause?: unknown } = {}) {
    super(message, details, 'E_BUILD');
  }
}

registerErrorName('BuildError');

const SHIM_ID = '\0plughub:define-plugin';
const SHIM_SOURCES = new Set(['plughub', 'plughub/core']);
const BUILTINS = new Set(builtinModules);
/** Warnings that say nothing useful about a plugin bundle. */
const QUIET = new Set(['THIS_IS_UNDEFINED', 'CIRCULAR_DEPENDENCY', 'EMPTY_BUNDLE']);

/** Resolves `plughub` and `plughub/core` to a module that only offers definePlugin (an identity function). */
function plughubShim(): Plugin {
  return {
    name: 'plughub-define-plugin',
    resolveId: (source) => (SHIM_SOURCES.has(source) ? SHIM_ID : null),
    load: (id) => (id === SHIM_ID ? 'export function definePlugin(definition) {\n  return definition;\n}\n' : null),
  };
}

function isExternal(id: string): boolean {
  return id.startsWith('node:') || BUILTINS.has(id);
}

/**
 * Builds the project's bundle at its `source.path` (or `options.bundlePath`).
 * Throws BuildError when the project has no source entry, an import cannot
 * be resolved, or the source does not compile.
 *
 * @example const { path, bytes } = await buildPlugin(await readProject('.', process.cwd()), { minify: true });
 */
export async function buildPlugin(project: PluginProject, options: BuildOptions = {}): Promise<BuildResult> {
  const id = `${project.manifest.name}@${project.manifest.version}`;
  const details = { plugin: project.manifest.name, version: project.manifest.version };
  if (!project.entry) {
    throw new BuildError(`${id}: ${project.dir} has no src/index.ts, src/index.mts, src/index.js or src/index.mjs to build`, details);
  }
  const [{ rollup }, { nodeResolve }, { default: commonjs }, { default: esbuild, minify: esbuildMinify }] = await importOptionalPackages(
    `building ${id} (plughub build)`,
    ['rollup', '@rollup/plugin-node-resolve', '@rollup/plugin-commonjs', 'rollup-plugin-esbuild', 'esbuild'],
  );
  const tsconfig = join(project.dir, 'tsconfig.json');
  const hasTsconfig = await stat(tsconfig).then(
    (info) => info.isFile(),
    () => false,
  );
  const bundlePath = options.bundlePath ?? project.bundlePath;
  const sourcemap = options.sourcemap === true;
  const mapPath = `${bundlePath}.map`;
  const warnings: string[] = [];
  let unminifiedBytes: number | undefined;
  const where = (path: string | undefined) => (path ? relative(project.dir, path) || path : project.dir);
  let bundle;
  try {
    bundle = await rollup({
      input: project.entry,
      external: isExternal,
      treeshake: true,
      plugins: [
        plughubShim(),
        nodeResolve({ rootDir: project.dir, extensions: ['.mjs', '.js', '.json', '.ts', '.mts', '.tsx', '.jsx'], preferBuiltins: true }),
        commonjs(),
        esbuild({
          include: /\.(?:[cm]?[jt]sx?|json)$/,
          exclude: /node_modules[\\/].*\.[cm]?jsx?$/,
          loaders: { '.json': 'json' },
          target: 'es2022',
          sourceMap: sourcemap,
          minify: false,
          tsconfig: hasTsconfig ? tsconfig : false,
        }),
      ],
      onLog(level, log: RollupLog, handler) {
        if (log.code === 'UNRESOLVED_IMPORT') {
          handler('error', {
            ...log,
            message: `${where(log.id)} imports "${log.exporter}", which cannot be resolved (${unresolvedHint(log.exporter ?? '', project.dir)})`,
          });
          return;
        }
        if (level === 'warn' && !QUIET.has(log.code ?? '')) warnings.push(`${log.id ? `${where(log.id)}: ` : ''}${log.message}`);
      },
    });
    const outputOptions = { file: bundlePath, format: 'es', inlineDynamicImports: true, sourcemap } as const;
    if (options.minify === true) {
      const plain = await bundle.generate({ ...outputOptions, sourcemap: false });
      unminifiedBytes = plain.output.reduce((sum, item) => sum + (item.type === 'chunk' ? Buffer.byteLength(item.code) : 0), 0);
    }
    await mkdir(dirname(bundlePath), { recursive: true });
    const output = await bundle.write({
      ...outputOptions,
      plugins: options.minify === true ? [esbuildMinify({ target: 'es2022', sourceMap: sourcemap })] : [],
    });
    if (!sourcemap) await rm(mapPath, { force: true });
    const extra = output.output
      .slice(1)
      .map((item) => item.fileName)
      .filter((name) => !(sourcemap && name === basename(mapPath)));
    if (extra.length > 0) {
      const extraNames = extra.join(', ');
      warnings.push(`the build also wrote ${extraNames}; only ${project.manifest.source.path} is packed`);
    }
  } catch (error) {
    throw new BuildError(`${id}: build failed: ${describe(error as RollupError, where)}`, { ...details, cause: error });
  } finally {
    await bundle?.close();
  }
  const { size } = await stat(bundlePath);
  return {
    path: bundlePath,
    bytes: size,
    ...(unminifiedBytes !== undefined ? { unminifiedBytes } : {}),
    ...(sourcemap ? { sourcemapPath: mapPath } : {}),
    warnings,
  };
}

/** What to do about a bare import that does not resolve. */
function unresolvedHint(source: string, dir: string): string {
  const parts = source.split('/');
  const name = source.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? source);
  if (name === 'plughub') return 'from plughub a plugin bundle imports only definePlugin, from "plughub" or "plughub/core"';
  return `install it in ${dir}: npm install ${name}`;
}

/** An esbuild message as rollup-plugin-esbuild passes it on. */
interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number; column: number } | null;
}

/** One line for a rollup or esbuild error: file:line:column, then the message. */
function describe(error: RollupError & { errors?: EsbuildMessage[] }, where: (path: string | undefined) => string): string {
  if (error.code === 'MISSING_EXPORT' && error.exporter === SHIM_ID) {
    return `${where(error.id)}: ${error.binding ? `"${error.binding}"` : 'this name'} is not available to a plugin bundle: from plughub a plugin imports only definePlugin (the host's API reaches it as ctx.host)`;
  }
  const first = Array.isArray(error.errors) ? error.errors[0] : undefined;
  const location = first?.location ?? error.loc;
  const file = location?.file ?? error.id;
  const position = location ? `:${location.line}:${location.column + 1}` : '';
  let text = first?.text ?? (error.message ?? String(error)).split('\n')[0] ?? '';
  if (file) text = text.replace(` in ${file}`, '');
  if (error.code === 'UNRESOLVED_IMPORT' || !file || text.startsWith(where(file))) return text;
  return `${where(file)}${position}: ${text}`;
}
