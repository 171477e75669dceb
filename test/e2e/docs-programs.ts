/**
 * The programs the docs' shell lines may run, each run for real: the
 * plughub CLI (through tsx, from the sources), `node` on a file the docs
 * saved, `cd`, `mkdir`, `cp`, `npm init -y`, `npm install --save-dev esbuild`
 * (the repository's esbuild, linked), `npm link plughub` (a package
 * pointing at the sources), `curl` (failing on an HTTP status of 400 or more,
 * as `--fail` would), `jq`, `npx esbuild`, and in the background `plughub
 * serve`, `plughub host` and `python3 -m http.server`. A program not listed here is unknown:
 * the docs test fails on it, so no command reaches the docs without being run.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { shownStaticPort, startPluginHost, startRegistry, startStaticServer, onFreePort, type Background } from './docs-background.js';
import { linkPlughub, node, plughub, ROOT, type Finished } from './spawn.js';

/** One command to run: its words after expansion, where, with what environment and input. */
export interface Invocation {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdin?: string;
}

/** What a program may change in the shell running it. */
export interface ShellControl {
  /** Changes the shell's working folder. */
  cd(dir: string): void;
  /** Keeps a background process to stop at the end, reachable at `shownPort` from now on. */
  listen(shownPort: number, process: Background): void;
}

type Program = (invocation: Invocation, shell: ShellControl) => Promise<Finished>;

const ok = (stdout = ''): Finished => ({ code: 0, stdout, stderr: '' });

/** Runs an executable with `stdin` as its input and collects what it prints. */
function execute(file: string, args: string[], invocation: Invocation): Promise<Finished> {
  const child = spawn(file, args, { cwd: invocation.cwd, env: invocation.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    // A program that exits without reading its input closes the pipe (EPIPE); what it printed and its code still count.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(invocation.stdin ?? '');
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function usage(invocation: Invocation): never {
  throw new Error(`the docs test does not know how to run: ${invocation.argv.join(' ')}`);
}

const plughubProgram: Program = async (invocation, shell) => {
  const args = invocation.argv.slice(1);
  if (args[0] === 'host' && !args.includes('--help')) {
    const service = await startPluginHost(args, invocation);
    shell.listen(onFreePort(args, '--port', 8080).port, service);
    return ok(`${service.banner.join('\n')}\n`);
  }
  if (args[0] !== 'serve') return plughub(args, invocation);
  const server = await startRegistry(args, invocation);
  shell.listen(onFreePort(args, '--port', 4873).port, server);
  return ok(`${server.banner.join('\n')}\n`);
};

const nodeProgram: Program = async (invocation) => {
  if (invocation.argv.length !== 2) usage(invocation);
  return node(resolve(invocation.cwd, invocation.argv[1]!), invocation);
};

const cdProgram: Program = async (invocation, shell) => {
  if (invocation.argv.length !== 2) usage(invocation);
  const dir = resolve(invocation.cwd, invocation.argv[1]!);
  if (!(await stat(dir)).isDirectory()) throw new Error(`cd: ${dir} is not a folder`);
  shell.cd(dir);
  return ok();
};

const mkdirProgram: Program = async (invocation) => {
  const args = invocation.argv.slice(1);
  const recursive = args[0] === '-p';
  for (const dir of recursive ? args.slice(1) : args) await mkdir(resolve(invocation.cwd, dir), { recursive });
  return ok();
};

const cpProgram: Program = async (invocation) => {
  const args = invocation.argv.slice(1);
  if (args.length < 2 || args.some((arg) => arg.startsWith('-'))) usage(invocation);
  const target = resolve(invocation.cwd, args[args.length - 1]!);
  const toFolder = args.length > 2 || (await stat(target).catch(() => undefined))?.isDirectory();
  for (const source of args.slice(0, -1)) {
    await cp(resolve(invocation.cwd, source), toFolder ? join(target, basename(source)) : target);
  }
  return ok();
};

const npmProgram: Program = async (invocation) => {
  const command = invocation.argv.slice(1).join(' ');
  if (command === 'init -y') {
    const name = basename(invocation.cwd);
    await writeFile(join(invocation.cwd, 'package.json'), `${JSON.stringify({ name, version: '1.0.0' }, null, 2)}\n`);
    return ok();
  }
  if (command === 'link plughub') {
    await linkPlughub(invocation.cwd);
    return ok();
  }
  if (command === 'install --save-dev esbuild') {
    // The repository's own esbuild, linked where an install would put it (no download in tests).
    await mkdir(join(invocation.cwd, 'node_modules', '.bin'), { recursive: true });
    await symlink(join(ROOT, 'node_modules', 'esbuild'), join(invocation.cwd, 'node_modules', 'esbuild'), 'dir');
    await symlink(join(ROOT, 'node_modules', 'esbuild', 'bin', 'esbuild'), join(invocation.cwd, 'node_modules', '.bin', 'esbuild'));
    return ok();
  }
  return usage(invocation);
};

/** curl as shown, with the HTTP status checked: 400 and above fail as with `--fail` (exit code 22). */
const curlProgram: Program = async (invocation) => {
  const args: string[] = [];
  let format = '';
  const given = invocation.argv.slice(1);
  for (let i = 0; i < given.length; i++) {
    if (given[i] === '-w' || given[i] === '--write-out') format = given[++i]!;
    else args.push(given[i]!);
  }
  const result = await execute('curl', [...args, '-w', `${format}%{stderr}\n@status %{http_code}\n`], invocation);
  const status = Number(/\n@status (\d+)\n$/.exec(result.stderr)?.[1]);
  const stderr = result.stderr.replace(/\n@status \d+\n$/, '');
  if (result.code !== 0 || status < 400) return { ...result, stderr };
  return { code: 22, stdout: result.stdout, stderr: `${stderr}(the docs test: HTTP status ${status})\n` };
};

const jqProgram: Program = (invocation) => execute('jq', invocation.argv.slice(1), invocation);

const npxProgram: Program = async (invocation) => {
  if (invocation.argv[1] !== 'esbuild') usage(invocation);
  // As npx does: the project's own esbuild when it installed one, else the repository's (a command run in a clone).
  const installed = join(invocation.cwd, 'node_modules', '.bin', 'esbuild');
  const esbuild = (await stat(installed).catch(() => undefined)) ? installed : join(ROOT, 'node_modules', '.bin', 'esbuild');
  return execute(esbuild, invocation.argv.slice(2), invocation);
};

const pythonProgram: Program = async (invocation, shell) => {
  const args = invocation.argv.slice(1);
  if (args[0] !== '-m' || args[1] !== 'http.server') usage(invocation);
  const server = await startStaticServer(args, invocation);
  shell.listen(shownStaticPort(args), server);
  return ok(`${server.banner.join('\n')}\n`);
};

/** The programs by name. */
export const PROGRAMS: Readonly<Record<string, Program>> = {
  plughub: plughubProgram,
  node: nodeProgram,
  cd: cdProgram,
  mkdir: mkdirProgram,
  cp: cpProgram,
  npm: npmProgram,
  curl: curlProgram,
  jq: jqProgram,
  npx: npxProgram,
  python3: pythonProgram,
};
