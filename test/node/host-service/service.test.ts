/**
 * The plugin host service over a real socket (127.0.0.1, port 0): a plugin
 * directory with two route-serving plugins answered by `fetch`, 404 and 405,
 * a busy port, access-log lines, and a hot upgrade in a watched directory
 * under a stream of concurrent requests, none of which may fail.
 */
import { createServer } from 'node:net';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isListenError } from '../../../registry-server/node/index.js';
import type { HostConfig } from '../../../src/node/host-service/config.js';
import { startHostService, type HostService } from '../../../src/node/host-service/serve.js';
import { tempDir, writeTree } from '../helpers.js';
import { startRegistry } from '../registry-fixture.js';
import { testConfig } from './api-fixture.js';
import { routeManifest, routeModule, routePlugin } from './fixtures.js';

const services: HostService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

/** Collects what the service writes: access-log lines and its own log. */
function sink() {
  const access: string[] = [];
  const messages: string[] = [];
  return {
    access,
    messages,
    accessLogStream: { write: (chunk: string) => access.push(...chunk.split('\n').filter(Boolean)) },
    log: { info: (line: string) => messages.push(line), error: (line: string) => messages.push(`error: ${line}`) },
  };
}

async function start(config: Partial<HostConfig>, out = sink()): Promise<HostService> {
  const full = await testConfig(config);
  const service = await startHostService(full, { log: out.log, accessLogStream: out.accessLogStream, env: {} });
  services.push(service);
  return service;
}

async function twoPlugins(): Promise<string> {
  const dir = await tempDir();
  await writeTree(dir, {
    ...routePlugin('alpha', '1.0.0', 'a1', [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }]),
    ...routePlugin('beta', '2.0.0', 'b2', [
      { route: '/api/plugin/beta', method: 'GET', label: 'beta.list' },
      { route: '/api/plugin/beta', method: 'POST', label: 'beta.create' },
    ]),
  });
  return dir;
}

describe('plughub host over a socket', () => {
  it('serves the routes of two plugins from a directory', async () => {
    const service = await start({ dir: await twoPlugins() });
    const alpha = await fetch(`${service.url}/api/plugin/alpha/42`);
    expect(alpha.status).toBe(200);
    expect(await alpha.json()).toEqual({ plugin: 'alpha', tag: 'a1', label: 'alpha.get', params: { id: '42' } });
    const beta = await fetch(`${service.url}/api/plugin/beta`, { method: 'POST', body: '{}' });
    expect(beta.status).toBe(200);
    expect(await beta.json()).toMatchObject({ plugin: 'beta', label: 'beta.create' });
  });

  it('serves the routes of a plugin running in a worker thread', async () => {
    const service = await start({ dir: await twoPlugins(), isolation: 'worker' });
    const alpha = await fetch(`${service.url}/api/plugin/alpha/9`);
    expect(alpha.status).toBe(200);
    expect(await alpha.json()).toEqual({ plugin: 'alpha', tag: 'a1', label: 'alpha.get', params: { id: '9' } });
  });

  it('appends its access log to a file when told to', async () => {
    const accessLog = join(await tempDir(), 'access.log');
    await writeFile(accessLog, 'an earlier line\n');
    const service = await start({ dir: await twoPlugins(), accessLog });
    await (await fetch(`${service.url}/api/plugin/beta`)).arrayBuffer();
    await service.close();
    services.length = 0;
    const lines = (await readFile(accessLog, 'utf8')).split('\n');
    expect(lines[0]).toBe('an earlier line');
    expect(lines[1]).toMatch(/"GET \/api\/plugin\/beta HTTP\/1\.1" 200 \d+ "-" "/);
    expect(lines.slice(2)).toEqual(['']);
  });

  it('serves the routes of a plugin loaded from a registry beside those of a directory', async () => {
    const registry = await startRegistry();
    const routes = [{ route: '/api/plugin/remote/:id', method: 'GET', label: 'remote.get' }];
    await registry.publish('remote', '1.2.0', routeModule('remote', 'r1'), { http_services: { driver: 'fetch', routes } });
    const out = sink();
    const service = await start({ dir: await twoPlugins(), registry: registry.url, load: ['remote@^1'] }, out);
    expect(await (await fetch(`${service.url}/api/plugin/remote/5`)).json()).toEqual({ plugin: 'remote', tag: 'r1', label: 'remote.get', params: { id: '5' } });
    expect(await (await fetch(`${service.url}/api/plugin/alpha/5`)).json()).toMatchObject({ plugin: 'alpha' });
    expect(out.messages).toContain('loaded remote@1.2.0 from the registry');
  });

  it('fails the start when a registry plugin cannot load', async () => {
    const registry = await startRegistry();
    const error = await start({ registry: registry.url, load: ['absent@^1'] }).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain('absent');
  });

  it('gives a plugin a request body up to maxBodyBytes and answers 413 past it without calling the plugin', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'echo/plugin.json': routeManifest('echo', '1.0.0', [{ route: '/api/plugin/echo', method: 'POST', label: 'echo' }]),
      'echo/dist/index.js': `let calls = 0;
export default { async execute(ctx) { calls += 1; return { bytes: (await ctx.request.arrayBuffer()).byteLength, calls }; } };
`,
    });
    const service = await start({ dir, maxBodyBytes: 1000 });
    const url = `${service.url}/api/plugin/echo`;
    expect(await (await fetch(url, { method: 'POST', body: 'x'.repeat(1000) })).json()).toEqual({ bytes: 1000, calls: 1 });
    const declared = await fetch(url, { method: 'POST', body: 'x'.repeat(1001) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: { code: 'E_TOO_LARGE', message: 'the request body is larger than 1000 bytes, the most this service takes (maxBodyBytes)' },
    });
    const chunks = [new Uint8Array(600), new Uint8Array(600)];
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const chunked = await fetch(url, { method: 'POST', body: streamed, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await (await fetch(url, { method: 'POST', body: 'ok' })).json()).toEqual({ bytes: 2, calls: 2 });
  });

  it('answers 404 for a path no route matches and 405 with Allow for a wrong method', async () => {
    const service = await start({ dir: await twoPlugins() });
    const missing = await fetch(`${service.url}/api/plugin/gamma`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    await missing.body?.cancel();
    const wrong = await fetch(`${service.url}/api/plugin/alpha/1`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
    await wrong.body?.cancel();
  });

  it('refuses a busy port with a ListenError naming the address, leaving nothing open', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await start({ dir: await twoPlugins(), port }).catch((caught: unknown) => caught);
      expect(isListenError(error)).toBe(true);
      expect((error as Error).message).toContain(`cannot listen on 127.0.0.1:${port}: the address is in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('writes one Combined Log Format line per request, escaping the user agent', async () => {
    const out = sink();
    const service = await start({ dir: await twoPlugins() }, out);
    const answer = await fetch(`${service.url}/api/plugin/alpha/7?q=1`, { headers: { 'user-agent': 'probe\u00e9"x' } });
    const body = await answer.arrayBuffer();
    await (await fetch(`${service.url}/nothing`)).arrayBuffer();
    await service.close();
    services.length = 0;
    expect(out.access).toHaveLength(2);
    expect(out.access[0]).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000\\] "GET /api/plugin/alpha/7\\?q=1 HTTP/1\\.1" 200 ${body.byteLength} "-" "probe\\\\xe9\\\\"x"$`,
      ),
    );
    expect(out.access[1]).toMatch(/"GET \/nothing HTTP\/1\.1" 404 \d+ "-" /);
  });

  it('swaps a plugin upgraded in a watched directory under a stream of requests, none failing', async () => {
    const dir = await tempDir();
    const routes = [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }];
    await writeTree(dir, routePlugin('alpha', '1.0.0', 'v1', routes));
    const service = await start({ dir, watch: true });
    const upgraded = new Promise<void>((resolve) => {
      const off = service.host.on('watch', (change) => {
        if (change.reloaded.some((entry) => entry.to === '1.1.0')) {
          off();
          resolve();
        }
      });
    });
    const failures: string[] = [];
    const tags: string[][] = [[], [], [], []];
    let stop = false;
    let seenAfterSwap = 0;
    const clients = tags.map(async (seen, client) => {
      for (let i = 0; !stop; i += 1) {
        try {
          const response = await fetch(`${service.url}/api/plugin/alpha/${client}-${i}`);
          const body = (await response.json()) as { tag?: string };
          if (response.status !== 200 || body.tag === undefined) failures.push(`${response.status} ${JSON.stringify(body)}`);
          else seen.push(body.tag);
          if (body.tag === 'v2') seenAfterSwap += 1;
        } catch (error) {
          failures.push(String(error));
        }
      }
    });
    // The new version is written beside the old one and renamed in, as a deployment would.
    await writeFile(join(dir, 'alpha/dist/next.js'), routeModule('alpha', 'v2'));
    await writeFile(join(dir, 'alpha/plugin.next.json'), routeManifest('alpha', '1.1.0', routes));
    await rename(join(dir, 'alpha/dist/next.js'), join(dir, 'alpha/dist/index.js'));
    await rename(join(dir, 'alpha/plugin.next.json'), join(dir, 'alpha/plugin.json'));
    await upgraded;
    // Let every client see the new version before stopping the stream.
    while (seenAfterSwap < 20 && failures.length === 0) await new Promise((resolve) => setImmediate(resolve));
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    for (const seen of tags) {
      expect(seen.length).toBeGreaterThan(0);
      // Each client sees v1, then v2, never v1 again after v2.
      const first = seen.indexOf('v2');
      if (first >= 0) expect(seen.slice(first).every((tag) => tag === 'v2')).toBe(true);
    }
    expect(tags.flat()).toContain('v1');
    expect(tags.flat()).toContain('v2');
  });
});
