/**
 * The management API of the built CLI's `plughub host` (needs `npm run
 * build`): the `--api-*` flags reach it, it says at start that it is off on
 * an address other than loopback without tokens, and a SIGTERM while an
 * event stream is open ends the stream and exits 0 at once rather than
 * after the grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, writeTree } from '../helpers.js';
import { apiCaller, tokenDir } from './api-fixture.js';
import { routePlugin } from './fixtures.js';

const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A running `plughub host` on a free port: its URL (on 127.0.0.1), what it wrote on stderr until listening, and its exit code. */
async function startHost(args: string[]) {
  const dir = await tempDir();
  await writeTree(dir, routePlugin('alpha', '1.0.0', 'a1', [{ route: '/api/plugin/alpha', method: 'GET', label: 'alpha.get' }]));
  const child = spawn(process.execPath, [cli, 'host', '--port', '0', '--dir', dir, ...args], {
    env: { ...process.env, PLUGHUB_CACHE_DIR: await tempDir(), PLUGHUB_REGISTRY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const stderr: string[] = [];
  const waiting: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    for (const wait of waiting.splice(0)) {
      if (wait.pattern.test(line)) wait.resolve(line);
      else waiting.push(wait);
    }
  });
  /** The first stderr line matching `pattern` (stderr and stdout are read apart: it may come after the listening line). */
  const stderrLine = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = stderr.find((line) => pattern.test(line));
      if (seen !== undefined) resolve(seen);
      else waiting.push({ pattern, resolve });
    });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening on (\S+)$/.exec(line);
      if (match) resolve(match[1]!.replace('0.0.0.0', '127.0.0.1'));
    });
    void exited.then((code) => reject(new Error(`plughub host exited with ${code}:\n${stderr.join('\n')}`)));
  });
  return { child, url, stderrLine, exited };
}

describe('plughub host and its management API', () => {
  it('says at start that the API is off on 0.0.0.0 without tokens, and answers 403 E_API_OFF', async () => {
    const host = await startHost(['--listen', '0.0.0.0']);
    expect(await host.stderrLine(/management API/)).toContain('the management API (/api/v1) is off: the service listens on 0.0.0.0, not a loopback address');
    const response = await fetch(`${host.url}/api/v1/plugins`);
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('E_API_OFF');
  });

  it('takes its tokens and read access from the flags, and a SIGTERM ends an open event stream and exits 0 at once', async () => {
    const tokens = await tokenDir();
    const host = await startHost(['--listen', '0.0.0.0', '--api-tokens', tokens.dir, '--api-read', 'token', '--grace', '30s']);
    expect(await host.stderrLine(/management API/)).toMatch(
      /management API at http:\/\/0\.0\.0\.0:\d+\/api\/v1: reads need a token, changes need an admin token of/,
    );
    const call = apiCaller(host.url);
    expect((await call('GET', '/plugins')).status).toBe(401);
    expect((await call('GET', '/plugins', undefined, tokens.reader)).body.plugins.map((plugin: { name: string }) => plugin.name)).toEqual(['alpha']);
    expect((await call('POST', '/plugins/alpha/reload', undefined, tokens.reader)).status).toBe(403);
    const events = await fetch(`${host.url}/api/v1/events`, { headers: { authorization: `Bearer ${tokens.reader}` } });
    const reader = events.body!.getReader();
    await reader.read();
    const stopping = Date.now();
    host.child.kill('SIGTERM');
    while (!(await reader.read()).done);
    expect(await host.exited).toBe(0);
    // Far below the 30 s grace an open stream would have held the stop for.
    expect(Date.now() - stopping).toBeLessThan(5_000);
  });
});
