/**
 * The built CLI's `plughub host` as a child process, stopped with SIGTERM
 * while requests are in flight: they complete, new connections are refused,
 * and the process exits 0; past the grace period a request in flight is
 * aborted and the process still exits 0; a second signal exits at once,
 * with the access-log lines of the requests answered before it. Needs
 * `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, writeTree } from '../helpers.js';
import { routePlugin } from './fixtures.js';

const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A running `plughub host`: its URL, a promise of a stderr line matching a pattern, and its exit. */
async function startHost(args: string[]) {
  const child = spawn(process.execPath, [cli, 'host', '--port', '0', ...args], {
    env: { ...process.env, PLUGHUB_CACHE_DIR: await tempDir(), PLUGHUB_REGISTRY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const stderrLines: string[] = [];
  const waiting: Array<() => boolean> = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrLines.push(line);
    for (const check of waiting.splice(0)) if (!check()) waiting.push(check);
  });
  const stdout: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      const match = /^listening on (\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`plughub host exited with ${code}:\n${stderrLines.join('\n')}`)));
  });
  /** Resolves once stderr has `count` lines matching `pattern`. */
  const stderrLine = (pattern: RegExp, count = 1) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (stderrLines.filter((line) => pattern.test(line)).length < count) return false;
        resolve();
        return true;
      };
      if (!check()) waiting.push(check);
    });
  return { child, url, exited, stderrLine, stdout };
}

async function slowPluginDir(delayMs: number): Promise<string> {
  const dir = await tempDir();
  await writeTree(
    dir,
    routePlugin(
      'slow',
      '1.0.0',
      's1',
      [
        { route: '/slow', method: 'GET', label: 'slow' },
        { route: '/fast', method: 'GET', label: 'fast' },
      ],
      delayMs,
    ),
  );
  return dir;
}

describe('plughub host and SIGTERM', () => {
  it('lets requests in flight finish, refuses new connections, and exits 0', async () => {
    const host = await startHost(['--dir', await slowPluginDir(800), '--grace', '10s']);
    const inFlight = [fetch(`${host.url}/slow`), fetch(`${host.url}/slow`)];
    await host.stderrLine(/slow request started/, 2);
    host.child.kill('SIGTERM');
    await host.stderrLine(/SIGTERM: closing/);
    await expect(fetch(`${host.url}/fast`)).rejects.toThrow();
    const answers = await Promise.all(inFlight);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(await answers[0]!.json()).toMatchObject({ plugin: 'slow', label: 'slow' });
    await answers[1]!.arrayBuffer();
    expect(await host.exited).toBe(0);
    expect(host.stdout.filter((line) => line.includes('"GET /slow HTTP/1.1" 200 '))).toHaveLength(2);
  });

  it('aborts a request still in flight when the grace period ends, and exits 0', async () => {
    const host = await startHost(['--dir', await slowPluginDir(60_000), '--grace', '200ms']);
    const inFlight = fetch(`${host.url}/slow`).then(
      (answer) => answer.text(),
      (error: unknown) => error,
    );
    await host.stderrLine(/slow request started/);
    const stoppedAt = Date.now();
    host.child.kill('SIGTERM');
    expect(await inFlight).toBeInstanceOf(Error);
    expect(await host.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  });

  it('exits at once on a second signal, its access log holding every request answered before', async () => {
    const host = await startHost(['--dir', await slowPluginDir(60_000), '--grace', '30s']);
    const inFlight = fetch(`${host.url}/slow`).catch((error: unknown) => error);
    await host.stderrLine(/slow request started/);
    await (await fetch(`${host.url}/fast`)).arrayBuffer();
    host.child.kill('SIGTERM');
    await host.stderrLine(/SIGTERM: closing/);
    host.child.kill('SIGTERM');
    expect(await host.exited).toBe(143);
    expect(await inFlight).toBeInstanceOf(Error);
    expect(host.stdout.filter((line) => line.includes('"GET /fast HTTP/1.1" 200 '))).toHaveLength(1);
  });
});
