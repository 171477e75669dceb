/**
 * The long-running commands of the docs — `plughub serve`, `plughub host`
 * and `python3 -m http.server` — started in the background on a free port instead of the
 * one the docs show (the docs test maps the shown port to the real one), and
 * stopped with SIGTERM when the test is done with them.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startServer, type SpawnOptions } from './spawn.js';

/** A process running in the background, listening on `port`. */
export interface Background {
  port: number;
  /** What it printed on stdout until it was listening. */
  banner: string[];
  stop(): Promise<unknown>;
}

/** The port a command line asks for after `flag`, and the arguments with it replaced by 0 (appended when absent). */
export function onFreePort(args: string[], flag: string, fallback: number): { port: number; args: string[] } {
  const at = args.indexOf(flag);
  if (at < 0) return { port: fallback, args: [...args, flag, '0'] };
  return { port: Number(args[at + 1]), args: args.map((arg, i) => (i === at + 1 ? '0' : arg)) };
}

/** Starts `plughub serve …` on a free port. */
export async function startRegistry(args: string[], options: SpawnOptions): Promise<Background> {
  const free = onFreePort(args, '--port', 4873);
  const server = await startServer(free.args, options);
  return { port: Number(new URL(server.url).port), banner: server.banner, stop: () => server.stop() };
}

/** Starts `plughub host …` (the plugin host service, shown on 8080 by default) on a free port. */
export async function startPluginHost(args: string[], options: SpawnOptions): Promise<Background> {
  const free = onFreePort(args, '--port', 8080);
  const server = await startServer(free.args, options);
  return { port: Number(new URL(server.url).port), banner: server.banner, stop: () => server.stop() };
}

/**
 * Starts `python3 -m http.server [--bind A] [--directory D] PORT` on a free
 * port; resolves once it says where it serves.
 */
export function startStaticServer(args: string[], options: SpawnOptions): Promise<Background> {
  const last = args[args.length - 1]!;
  const argv = [...(/^\d+$/.test(last) ? args.slice(0, -1) : args), '0'];
  const child = spawn('python3', ['-u', ...argv], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    const banner: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      banner.push(line);
      const match = / port (\d+) /.exec(line);
      if (!match) return;
      resolve({
        port: Number(match[1]),
        banner,
        async stop() {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`python3 ${args.join(' ')} exited with ${code} before serving:\n${stderr}`)));
  });
}

/** The port `python3 -m http.server` args ask for (8000 when none is given). */
export function shownStaticPort(args: string[]): number {
  const last = args[args.length - 1]!;
  return /^\d+$/.test(last) ? Number(last) : 8000;
}
