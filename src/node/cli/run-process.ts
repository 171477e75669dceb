/**
 * Runs an outside program (git, npm) for a build from git: an argument
 * array, never a shell; its own process group, so that a timeout, an
 * overflowing output or an abort (Ctrl-C) ends it and everything it started;
 * stdout kept up to a bound (more ends the program), stderr only its last
 * lines, for the error message.
 */
import { spawn } from 'node:child_process';
import { BuildError } from './build-plugin.js';

/** How to run a program. */
export interface RunProcessOptions {
  cwd: string;
  /** The program's whole environment. */
  env: Record<string, string | undefined>;
  /** It is ended after this many milliseconds. */
  timeoutMs: number;
  /** It is ended when its stdout passes this many bytes. */
  maxStdoutBytes: number;
  /** Ends it when aborted. */
  signal?: AbortSignal;
  /** What it does, for messages: `git fetch of https://example.com/repo.git`. */
  what: string;
  /** Applied to its stderr before a message quotes it (to hide credentials it may echo). */
  redact?: (text: string) => string;
}

/** What a program printed on stdout, and the last lines of its stderr. */
export interface RunProcessResult {
  stdout: string;
  stderr: string;
}

/** The bytes of stderr kept for a message. */
const STDERR_TAIL_BYTES = 4096;

/** Ends the program and what it started (its process group), then the program itself in case the group is gone. */
function end(pid: number | undefined, child: { kill(signal: NodeJS.Signals): boolean }): void {
  if (pid !== undefined && process.platform !== 'win32') {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  }
  child.kill('SIGKILL');
}

/** The last lines of a program's stderr, on one line each, for a message. */
function tail(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.slice(-5).join(' | ');
}

/**
 * Runs `command` with `args` and resolves to its output when it exits with
 * 0. Throws BuildError naming `what` when it cannot start, exits otherwise,
 * is killed by a signal, runs past `timeoutMs`, prints more than
 * `maxStdoutBytes`, or `signal` aborts.
 *
 * @example await runProcess('git', ['ls-remote', '--', url], { cwd, env, timeoutMs: 60_000, maxStdoutBytes: 1 << 20, what: 'git ls-remote' });
 */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<RunProcessResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new BuildError(`${options.what}: cancelled`));
      return;
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      shell: false,
      windowsHide: true,
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: string | undefined;
    const stop = (why: string) => {
      failure ??= why;
      end(child.pid, child);
    };
    const timer = setTimeout(() => stop(`took longer than ${Math.round(options.timeoutMs / 1000)} s`), options.timeoutMs);
    const onAbort = () => stop('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.byteLength;
      if (stdoutBytes > options.maxStdoutBytes) stop(`printed more than ${options.maxStdoutBytes} bytes`);
      else stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    const finish = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      const why = error.code === 'ENOENT' ? `${command} is not installed or not on PATH` : error.message;
      reject(new BuildError(`${options.what}: ${why}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      finish();
      if (failure === undefined && code === 0) {
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr });
        return;
      }
      const why = failure ?? (signal !== null ? `was killed by ${signal}` : `exited with code ${code}`);
      const said = tail(options.redact === undefined ? stderr : options.redact(stderr));
      reject(new BuildError(`${options.what}: ${why}${said === '' ? '' : `: ${said}`}`));
    });
  });
}
