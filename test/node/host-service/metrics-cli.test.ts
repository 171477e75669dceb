/**
 * The built CLI's `plughub host` as a child process, scraped at /metrics
 * over a real socket: the text promtool parses, with counters that moved
 * after real calls; `--no-metrics` leaves /metrics to the plugins. Needs
 * `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, writeTree } from '../helpers.js';
import { routePlugin } from './fixtures.js';
import { promtoolProblems, sampleSum, samples } from './metrics-text.js';

const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const closed = once(child, 'close');
      child.kill('SIGTERM');
      await closed;
    }),
  );
});

/** Starts `plughub host` on a directory with one route-serving plugin; resolves with its URL. */
async function startHost(extra: string[] = []): Promise<string> {
  const dir = await tempDir();
  await writeTree(dir, routePlugin('alpha', '1.0.0', 'a1', [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }]));
  const child = spawn(process.execPath, [cli, 'host', '--port', '0', '--dir', dir, ...extra], {
    env: { ...process.env, PLUGHUB_CACHE_DIR: await tempDir(), PLUGHUB_REGISTRY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  return new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening on (\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.on('close', (code) => reject(new Error(`plughub host exited with ${code}:\n${stderr.join('\n')}`)));
  });
}

describe('plughub host /metrics (built CLI)', () => {
  it('serves text promtool parses, with the counters real calls moved', async () => {
    const url = await startHost(['--isolation', 'worker']);
    for (const id of ['1', '2', '3']) expect((await fetch(`${url}/api/plugin/alpha/${id}`)).status).toBe(200);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(promtoolProblems(text)).toEqual([]);
    const all = samples(text);
    expect(sampleSum(all, 'plughub_loads_total', { plugin: 'alpha', outcome: 'ok' })).toBe(1);
    expect(sampleSum(all, 'plughub_route_requests_total', { plugin: 'alpha', route: 'alpha.get', status: '200' })).toBe(3);
    expect(sampleSum(all, 'plughub_worker_heap_used_bytes', { plugin: 'alpha' })).toBeGreaterThan(100_000);
    expect(sampleSum(all, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('leaves /metrics to the plugins with --no-metrics', async () => {
    const url = await startHost(['--no-metrics']);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no route matches GET /metrics' } });
  });
});
