/**
 * Child processes for the server tests: TypeScript entry points run with
 * `node --import tsx` (the CLI's `serve`, test fixtures), their stdout read
 * line by line so tests wait for what a child prints instead of sleeping,
 * and every child killed after its test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { onCleanup } from './helpers.js';

/** The repository root (where node_modules/tsx is). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A running child with line-based access to its output. */
export interface Child {
  process: ChildProcess;
  /** Resolves with the match of the first stdout line (past or future) matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Everything printed so far on stdout and stderr. */
  output(): string;
  /** Resolves with the exit code (or signal) once the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a TypeScript file of this repository in a new node process. */
export function spawnTypeScript(file: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let text = '';
  const waiters: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    text += `${line}\n`;
    for (const waiter of [...waiters]) {
      const match = line.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return {
    process: child,
    output: () => text,
    exited,
    waitForLine(pattern) {
      for (const line of lines) {
        const match = line.match(pattern);
        if (match) return Promise.resolve(match);
      }
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`child exited (${code ?? signal}) before printing ${pattern}:\n${text}`)));
      });
    },
  };
}

/** `plughub serve --port 0 --data DIR [...options]` in a child process, once it listens. */
export async function startServer(directory: string, options: string[] = []): Promise<Child & { url: string }> {
  const child = spawnTypeScript('src/node/cli/main.ts', ['serve', '--port', '0', '--data', directory, ...options]);
  const [, url] = await child.waitForLine(/^listening on (http:\/\/\S+)$/);
  return { ...child, url: url! };
}

/** Kills a child with SIGKILL and waits until it is gone. */
export async function kill(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}
