/**
 * Runs the plughub CLI as users do, in child processes, straight from the
 * TypeScript sources through tsx (no build needed): `plughub(args)` for one
 * command, `startServer(dataDir)` for `plughub serve --port 0` (resolved when
 * it prints `listening on …`, stopped with SIGTERM), and `linkPlughub(dir)`,
 * which makes `import … from 'plughub/node'` in `dir` resolve to the sources
 * as `npm link plughub` would to the build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MAIN = join(ROOT, 'src/node/cli/main.ts');

/** What a finished process printed, and its exit code. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where and with what environment a process runs. */
export interface SpawnOptions {
  cwd: string;
  env: Record<string, string | undefined>;
}

/** The environment of child processes: this one's, without plughub settings, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PLUGHUB_')));
  return { ...base, NODE_OPTIONS: undefined, ...extra };
}

function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `node <script>` with tsx loaded (so the script may import TypeScript sources). */
export function node(script: string, options: SpawnOptions): Promise<Finished> {
  return finished(spawn(process.execPath, ['--import', TSX, script], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs `plughub <args>` and waits for it to exit. */
export function plughub(args: string[], options: SpawnOptions): Promise<Finished> {
  return finished(spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A running `plughub serve`. */
export interface RunningServer {
  url: string;
  /** Everything it printed on stdout up to `listening on …`. */
  banner: string[];
  /** Sends SIGTERM and waits for the exit; resolves to what it printed on stderr. */
  stop(): Promise<Finished>;
}

/** Starts `plughub <args>` (a serve command) and resolves once it prints `listening on URL`. */
export function startServer(args: string[], options: SpawnOptions): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Finished>((resolve) => child.once('close', (code) => resolve({ code, stdout: '', stderr })));
  const banner: string[] = [];
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      banner.push(line);
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (!match) return;
      resolve({
        url: match[1]!,
        banner,
        async stop() {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then(({ code }) => reject(new Error(`plughub ${args.join(' ')} exited with ${code} before listening:\n${stderr}`)));
  });
}

/**
 * Makes `plughub` and its subpaths (`/node`, `/core`, `/browser`, `/server`)
 * importable from `dir`: `dir/node_modules/plughub` is a package whose
 * exports point at the repository's sources, loaded through tsx in Node and
 * compiled by a bundler (esbuild) for a page, with the same conditions as
 * the published package (`browser` for bundlers, `node` for Node).
 */
export async function linkPlughub(dir: string): Promise<void> {
  const pkg = join(dir, 'node_modules', 'plughub');
  await mkdir(pkg, { recursive: true });
  await symlink(join(ROOT, 'src'), join(pkg, 'src'), 'dir');
  await symlink(join(ROOT, 'registry-server'), join(pkg, 'registry-server'), 'dir');
  const exports = {
    '.': { browser: './src/browser/index.ts', node: './src/node/index.ts', default: './src/core/index.ts' },
    './node': './src/node/index.ts',
    './core': './src/core/index.ts',
    './browser': './src/browser/index.ts',
    './server': './registry-server/index.ts',
  };
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'plughub', type: 'module', exports }));
}
