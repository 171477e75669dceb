/**
 * The packages that only some commands need, loaded when such a command runs.
 * `npm i plughub` installs what a host needs (the library); the toolchain of
 * `plughub build` (rollup, its plugins, esbuild) and the web framework of
 * `plughub serve` and `plughub host` (hono), their metrics library
 * (prom-client) and the registry pages' Markdown renderer and sanitizer
 * (marked, sanitize-html), and the PostgreSQL client of a registry on
 * PostgreSQL (postgres) are optional peer dependencies that authors and
 * registry operators install beside plughub. A command that needs one that is
 * missing fails with MissingPackageError, whose message names the task (the
 * command, or the plugin being built), the packages and the npm command that
 * installs them. The version ranges are
 * those of package.json's `peerDependencies` (a test keeps them equal).
 */
import { PlughubError, registerErrorName } from '../../core/errors/index.js';

/** Every optional package: its version range, whether it belongs in devDependencies, and how to import it. */
export const OPTIONAL_PACKAGES = {
  rollup: { range: '^4.68.8', dev: true, load: () => import('rollup') },
  '@rollup/plugin-node-resolve': { range: '^16.0.3', dev: true, load: () => import('@rollup/plugin-node-resolve') },
  '@rollup/plugin-commonjs': { range: '^29.0.3', dev: true, load: () => import('@rollup/plugin-commonjs') },
  'rollup-plugin-esbuild': { range: '^6.2.1', dev: true, load: () => import('rollup-plugin-esbuild') },
  esbuild: { range: '^0.28.2', dev: true, load: () => import('esbuild') },
  hono: { range: '^4.13.19', dev: false, load: () => import('hono') },
  'prom-client': { range: '^15.1.3', dev: false, load: () => import('prom-client') },
  marked: { range: '^18.3.0', dev: false, load: () => import('marked') },
  postgres: { range: '^3.4.9', dev: false, load: () => import('postgres') },
  'sanitize-html': { range: '^2.18.1', dev: false, load: () => import('sanitize-html') },
} as const;

/** The name of an optional package. */
export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

type Loaded<Names extends readonly OptionalPackage[]> = {
  -readonly [Index in keyof Names]: Awaited<ReturnType<(typeof OPTIONAL_PACKAGES)[Names[Index]]['load']>>;
};

/** Optional packages a task needs are not installed; `packages` names them, the message says how to install them. */
export class MissingPackageError extends PlughubError {
  override name = 'MissingPackageError';
  /** What needed them: `plughub serve`, `building hello@1.0.0 (plughub build)`. */
  readonly task: string;
  readonly packages: OptionalPackage[];
  constructor(task: string, packages: OptionalPackage[]) {
    const names = packages.length === 1 ? packages.join('') : `${packages.slice(0, -1).join(', ')} and ${packages.at(-1)}`;
    const dev = packages.every((name) => OPTIONAL_PACKAGES[name].dev);
    const specs = packages.map((name) => `${name}@${OPTIONAL_PACKAGES[name].range}`).join(' ');
    const install = `npm i ${dev ? '-D ' : ''}${specs}`;
    super(
      `${task} needs ${names}, which ${packages.length === 1 ? 'is' : 'are'} not installed (installing plughub brings only what a host needs): ${install} in the project that has plughub, or npm i -g ${specs} beside a global plughub`,
      {},
      'E_MISSING_PACKAGE',
    );
    this.task = task;
    this.packages = packages;
  }
}

registerErrorName('MissingPackageError');

/** The package a module-not-found error says it could not find, if that is `name` itself. */
function isMissing(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' || typeof message !== 'string') return false;
  return message.includes(`Cannot find package '${name}'`) || message.includes(`Cannot find module '${name}'`);
}

/**
 * Imports the optional packages a task needs, in the order given. Throws
 * MissingPackageError naming the task and every package that is not
 * installed; a package that is installed but fails to load (a missing native
 * binary, a broken install) is a PlughubError naming it, with the import's
 * error as the cause.
 *
 * @example const [{ Hono }] = await importOptionalPackages('plughub serve', ['hono']);
 */
export async function importOptionalPackages<const Names extends readonly OptionalPackage[]>(task: string, names: Names): Promise<Loaded<Names>> {
  const results = await Promise.allSettled(names.map((name) => OPTIONAL_PACKAGES[name].load()));
  const missing = names.filter((name, index) => {
    const result = results[index];
    return result?.status === 'rejected' && isMissing(result.reason, name);
  });
  if (missing.length > 0) throw new MissingPackageError(task, missing);
  return results.map((result, index) => {
    if (result.status === 'fulfilled') return result.value;
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    throw new PlughubError(`${task}: ${names[index]} is installed but failed to load: ${reason}`, { cause: result.reason });
  }) as Loaded<Names>;
}
