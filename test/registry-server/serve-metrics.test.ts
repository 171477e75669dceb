/**
 * `/metrics` on `plughub serve` (a child process, a real socket): Prometheus
 * text that promtool accepts, counters that moved after a real publish and a
 * real download; `--metrics token` refusing a scrape without a valid token
 * of the data directory; `--no-metrics` leaving the route out; the web
 * pages at `/` unless `--no-pages`.
 */
import { describe, expect, it } from 'vitest';
import { createFileTokenStore } from '../../registry-server/index.js';
import { runCli } from '../../src/node/cli/main.js';
import { pluginPackage, publishRequest, tempDir } from './helpers.js';
import { kill, startServer } from './processes.js';
import { promtoolProblems } from './promtool.js';

async function publishAndDownload(url: string, token: string): Promise<void> {
  const { bytes } = await pluginPackage('hello', '1.0.0');
  const published = await fetch(publishRequest('hello', '1.0.0', bytes, { token, origin: url }));
  expect(published.status).toBe(201);
  const entry = (await published.json()) as { dist: { url: string } };
  expect((await fetch(`${url}${entry.dist.url}`)).status).toBe(200);
}

describe('plughub serve /metrics', () => {
  it('answers Prometheus text that promtool accepts, with the counters of a real publish and download', { timeout: 60_000 }, async () => {
    const directory = await tempDir();
    const { token } = await createFileTokenStore(directory).create({ admin: true, publish: [] });
    const server = await startServer(directory);
    await publishAndDownload(server.url, token);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('plughub_registry_publishes_total{outcome="published",reason="none"} 1');
    expect(text).toContain('plughub_registry_downloads_total{plugin="hello",version="1.0.0"} 1');
    expect(text).toMatch(/plughub_registry_requests_total\{route="\/v1\/blobs\/:algorithm\/:hex",method="GET",status="200"\} 1/);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    const check = await promtoolProblems(text);
    expect(check.problems).toEqual([]);
    expect([0, 3]).toContain(check.code);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('needs a valid token with --metrics token, and has no /metrics with --no-metrics', { timeout: 60_000 }, async () => {
    const directory = await tempDir();
    const { token } = await createFileTokenStore(directory).create({ admin: false, publish: ['hello'] });
    const guarded = await startServer(directory, ['--metrics', 'token']);
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer plh_nope' } })).status).toBe(401);
    const scraped = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# TYPE plughub_registry_requests_total counter');

    await kill(guarded); // one server at a time writes a data directory
    const off = await startServer(directory, ['--no-metrics']);
    const missing = await fetch(`${off.url}/metrics`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND');
  });

  it('serves its web pages by default, and the API alone with --no-pages', { timeout: 60_000 }, async () => {
    const directory = await tempDir();
    const withPages = await startServer(directory, []);
    const front = await fetch(`${withPages.url}/`);
    expect(front.status).toBe(200);
    expect(front.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const apiOnly = await startServer(await tempDir(), ['--no-pages']);
    expect((await fetch(`${apiOnly.url}/`)).status).toBe(404);
    expect((await fetch(`${apiOnly.url}/v1/plugins`)).status).toBe(200);
  });

  it('refuses a metrics mode it does not know', async () => {
    let stderr = '';
    const io = { stdout: { write: () => undefined }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: '/' };
    expect(await runCli(['serve', '--metrics', 'sometimes', '--data', '/nonexistent/plughub'], io)).toBe(1);
    expect(stderr).toMatch(/--metrics must be open, token or off, not "sometimes"/);
    stderr = '';
    expect(await runCli(['serve', '--metrics', 'open', '--no-metrics', '--data', '/nonexistent/plughub'], io)).toBe(1);
    expect(stderr).toMatch(/--no-metrics and --metrics open contradict each other/);
  });
});
