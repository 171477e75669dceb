/**
 * The management API's plugin and lifecycle routes over a real socket: a
 * service with a plugin directory and a registry plugin, a real registry on
 * port 0, and a token directory; each route answered, and each refusal
 * (no token, a token without admin, an unknown plugin, a bad range, a wrong
 * kind of plugin for reload or upgrade, dependents on unload).
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeTree } from '../helpers.js';
import { startRegistry, type TestRegistry } from '../registry-fixture.js';
import { apiCaller, EventFigures, serviceLog, startService, tokenDir } from './api-fixture.js';
import { routeManifest, routeModule, routePlugin } from './fixtures.js';

const helloRoutes = { http_services: { routes: [{ route: '/api/plugin/hello/:id', method: 'GET', label: 'hello.get' }] } };

/** A registry with hello 1.0.0 (a route-serving plugin), a plugin directory with alpha, and a service over both. */
async function setup() {
  const registry = await startRegistry();
  await registry.publish('hello', '1.0.0', routeModule('hello', 'h1', 5_000), helloRoutes);
  const dir = await tempDir();
  await writeTree(dir, routePlugin('alpha', '1.0.0', 'a1', [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }]));
  const tokens = await tokenDir();
  const uploads = await tempDir('plughub-api-uploads-');
  const figures = new EventFigures();
  const service = await startService(
    { dir, registry: registry.url, load: ['hello@^1'], api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: [uploads] } },
    { pluginMetrics: figures.of },
  );
  figures.follow(service.host);
  return { registry, dir, tokens, uploads, service, call: apiCaller(service.url) };
}

async function publishNext(registry: TestRegistry, version: string, tag: string): Promise<void> {
  await registry.publish('hello', version, routeModule('hello', tag), helloRoutes);
}

describe('the management API: plugins', () => {
  it('lists the loaded plugins with their origin, routes, state, load time and metrics', async () => {
    const { call, registry, dir } = await setup();
    const { status, body } = await call('GET', '/plugins');
    expect(status).toBe(200);
    const byName = Object.fromEntries(body.plugins.map((plugin: { name: string }) => [plugin.name, plugin]));
    expect(byName.hello).toMatchObject({
      name: 'hello',
      version: '1.0.0',
      isolation: 'none',
      origin: { kind: 'registry', registry: registry.url, range: '^1' },
      routes: [{ method: 'GET', pattern: '/api/plugin/hello/:id', label: 'hello.get' }],
      state: 'serving',
      retiring: [],
    });
    expect(byName.alpha).toMatchObject({ version: '1.0.0', origin: { kind: 'local', location: join(dir, 'alpha') } });
    expect(new Date(byName.hello.loadedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // Loaded before the figures followed the host: none yet.
    expect(byName.hello.metrics).toBeNull();
  });

  it('shows one plugin, and 404 E_NOT_LOADED for one that is not loaded, 400 for a name that is none', async () => {
    const { call } = await setup();
    expect((await call('GET', '/plugins/alpha')).body).toMatchObject({ name: 'alpha', state: 'serving' });
    const missing = await call('GET', '/plugins/ghost');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({ code: 'E_NOT_LOADED', message: 'ghost is not loaded in this host' });
    const bad = await call('GET', '/plugins/Not%20A%20Name');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('E_BAD_REQUEST');
  });

  it('loads a scoped registry plugin, addressed with its slash percent-encoded', async () => {
    const { call, registry, tokens } = await setup();
    await registry.publish('@acme/tool', '1.0.0', routeModule('@acme/tool', 't1'));
    const loaded = await call('POST', '/plugins', { spec: '@acme/tool@^1' }, tokens.admin);
    expect(loaded.status).toBe(201);
    expect(loaded.body).toMatchObject({ name: '@acme/tool', version: '1.0.0', metrics: { events: ['loaded'] } });
    expect((await call('GET', '/plugins/%40acme%2Ftool')).body).toMatchObject({ name: '@acme/tool' });
    expect((await call('GET', '/plugins/@acme%2Ftool')).status).toBe(200);
    const twoSegments = await call('GET', '/plugins/@acme/tool');
    expect(twoSegments.status).toBe(404);
    expect(twoSegments.body.error.message).toContain('@acme%2Ftool');
    // Loading it again with a range its version satisfies changes nothing: 200.
    expect((await call('POST', '/plugins', { spec: '@acme/tool@1.0.0' }, tokens.admin)).status).toBe(200);
  });

  it('refuses a change without a token (401), with a bad token (401) and with a token without admin (403)', async () => {
    const { call, tokens } = await setup();
    const none = await call('POST', '/plugins', { spec: 'hello@^1' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.body.error.code).toBe('E_UNAUTHORIZED');
    expect((await call('DELETE', '/plugins/alpha', undefined, `plh_${'x'.repeat(43)}`)).status).toBe(401);
    const reader = await call('DELETE', '/plugins/alpha', undefined, tokens.reader);
    expect(reader.status).toBe(403);
    expect(reader.body.error.code).toBe('E_FORBIDDEN');
    for (const [method, path] of [
      ['POST', '/plugins/hello/upgrade'],
      ['POST', '/upgrade'],
      ['POST', '/plugins/alpha/reload'],
      ['POST', '/plugins/hello/execute'],
    ] as const) {
      expect((await call(method, path, {}, tokens.reader)).status, `${method} ${path}`).toBe(403);
      expect((await call(method, path, {})).status, `${method} ${path}`).toBe(401);
    }
    // Reads are open: a reader's token is not needed, but accepted.
    expect((await call('GET', '/plugins', undefined, tokens.reader)).status).toBe(200);
    expect((await call('GET', '/plugins/alpha')).status).toBe(200);
  });

  it('refuses a bad range, a body that is not JSON or not the shape, an unknown registry plugin, and a conflicting range', async () => {
    const { call, tokens, registry } = await setup();
    const badRange = await call('POST', '/plugins', { spec: 'hello@>>1' }, tokens.admin);
    expect(badRange.status).toBe(400);
    expect(badRange.body.error).toMatchObject({ code: 'E_USAGE' });
    expect(badRange.body.error.message).toContain('neither a semver range nor a dist-tag');
    expect((await call('POST', '/plugins', '{"spec":', tokens.admin)).body.error.code).toBe('E_BAD_REQUEST');
    const both = await call('POST', '/plugins', { spec: 'hello', path: 'x' }, tokens.admin);
    expect(both.status).toBe(400);
    const unknown = await call('POST', '/plugins', { spec: 'ghost@^1' }, tokens.admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('E_REGISTRY');
    await registry.publish('other', '1.0.0', routeModule('other', 'o1'));
    const noSuchVersion = await call('POST', '/plugins', { spec: 'other@^3' }, tokens.admin);
    expect(noSuchVersion.status).toBe(404);
    expect(noSuchVersion.body.error.code).toBe('E_RESOLVE');
    const conflict = await call('POST', '/plugins', { spec: 'hello@^2' }, tokens.admin);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('E_CONFLICT');
    const huge = await call('POST', '/plugins', { spec: 'x'.repeat(20_000) }, tokens.admin);
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('E_TOO_LARGE');
  });

  it('upgrades one registry plugin, then all of them, and shows the new version serving', async () => {
    const { call, registry, tokens, service } = await setup();
    await publishNext(registry, '1.1.0', 'h2');
    const one = await call('POST', '/plugins/hello/upgrade', undefined, tokens.admin);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'hello', from: '1.0.0', to: '1.1.0', plugin: { version: '1.1.0', metrics: { events: ['upgraded'] } } });
    expect(await (await fetch(`${service.url}/api/plugin/hello/1`)).json()).toMatchObject({ tag: 'h2' });
    await publishNext(registry, '1.2.0', 'h3');
    const all = await call('POST', '/upgrade', undefined, tokens.admin);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ upgraded: [{ name: 'hello', from: '1.1.0', to: '1.2.0' }], failed: [] });
    expect((await call('GET', '/plugins/hello')).body.version).toBe('1.2.0');
    const local = await call('POST', '/plugins/alpha/upgrade', undefined, tokens.admin);
    expect(local.status).toBe(409);
    expect(local.body.error.code).toBe('E_NOT_REGISTRY');
    expect((await call('POST', '/plugins/ghost/upgrade', undefined, tokens.admin)).status).toBe(404);
  });

  it('shows the old version as retiring while it finishes a call after an upgrade', async () => {
    const registry = await startRegistry();
    const slowRoutes = { http_services: { routes: [{ route: '/api/plugin/slow', method: 'GET', label: 'slow' }] } };
    await registry.publish('slow', '1.0.0', routeModule('slow', 's1', 20_000), slowRoutes);
    const tokens = await tokenDir();
    let started: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => {
      started = resolve;
    });
    const out = serviceLog((line) => {
      if (line.includes('slow request started')) started();
    });
    const service = await startService(
      { registry: registry.url, load: ['slow@^1'], api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: [] } },
      { log: out.log },
    );
    const call = apiCaller(service.url);
    const client = new AbortController();
    const request = fetch(`${service.url}/api/plugin/slow`, { signal: client.signal }).catch(() => undefined);
    await inFlight;
    await registry.publish('slow', '1.1.0', routeModule('slow', 's2'), slowRoutes);
    expect((await call('POST', '/plugins/slow/upgrade', undefined, tokens.admin)).body).toMatchObject({ from: '1.0.0', to: '1.1.0' });
    const shown = (await call('GET', '/plugins/slow')).body;
    expect(shown).toMatchObject({ version: '1.1.0', state: 'serving', retiring: [{ version: '1.0.0' }] });
    expect(new Date(shown.retiring[0].since).getTime()).toBeGreaterThan(Date.now() - 60_000);
    client.abort();
    await request;
  });

  it('reloads a local plugin from its folder, and refuses to reload a registry plugin', async () => {
    const { call, dir, tokens, service } = await setup();
    const next = await tempDir();
    await writeTree(next, routePlugin('alpha', '1.0.1', 'a2', [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }]));
    await rename(join(dir, 'alpha'), join(next, 'old'));
    await rename(join(next, 'alpha'), join(dir, 'alpha'));
    const reloaded = await call('POST', '/plugins/alpha/reload', undefined, tokens.admin);
    expect(reloaded.status).toBe(200);
    expect(reloaded.body).toMatchObject({ name: 'alpha', from: '1.0.0', to: '1.0.1', plugin: { version: '1.0.1' } });
    expect(await (await fetch(`${service.url}/api/plugin/alpha/3`)).json()).toMatchObject({ tag: 'a2' });
    const registryPlugin = await call('POST', '/plugins/hello/reload', undefined, tokens.admin);
    expect(registryPlugin.status).toBe(409);
    expect(registryPlugin.body.error.code).toBe('E_NOT_LOCAL');
    await writeFile(join(dir, 'alpha', 'plugin.json'), '{ not json');
    const broken = await call('POST', '/plugins/alpha/reload', undefined, tokens.admin);
    expect(broken.status).toBe(422);
    expect(broken.body.error.code).toBe('E_MANIFEST');
    expect((await call('GET', '/plugins/alpha')).body.version).toBe('1.0.1');
  });

  it('executes a plugin with values and a label, under a deadline and a body bound', async () => {
    const { call, tokens } = await setup();
    const ran = await call('POST', '/plugins/hello/execute', { values: { who: 'api' }, label: 'hello.get' }, tokens.admin);
    expect(ran.status).toBe(200);
    expect(ran.body).toEqual({ result: { plugin: 'hello', tag: 'h1', label: 'hello.get' } });
    const late = await call('POST', '/plugins/hello/execute', { label: 'slow', timeoutMs: 50 }, tokens.admin);
    expect(late.status).toBe(504);
    expect(late.body.error.code).toBe('E_DEADLINE');
    expect((await call('POST', '/plugins/hello/execute', { values: 'no' }, tokens.admin)).status).toBe(400);
    expect((await call('POST', '/plugins/ghost/execute', {}, tokens.admin)).body.error.code).toBe('E_NOT_LOADED');
  });

  it('answers 413 for an execute body over maxBodyBytes', async () => {
    const registry = await startRegistry();
    await registry.publish('hello', '1.0.0', routeModule('hello', 'h1'), helloRoutes);
    const tokens = await tokenDir();
    const service = await startService({
      registry: registry.url,
      load: ['hello@^1'],
      maxBodyBytes: 1000,
      api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: [] },
    });
    const call = apiCaller(service.url);
    const big = await call('POST', '/plugins/hello/execute', { values: { text: 'x'.repeat(2000) } }, tokens.admin);
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'E_TOO_LARGE', limit: 1000 });
  });

  it('unloads a plugin, refusing while another depends on it unless forced', async () => {
    const { call, tokens, uploads, service } = await setup();
    await writeTree(uploads, {
      'user/plugin.json': JSON.stringify({ ...JSON.parse(routeManifest('user', '1.0.0', [])), dependencies: { hello: '^1' } }),
      'user/dist/index.js': routeModule('user', 'u1'),
    });
    expect((await call('POST', '/plugins', { path: 'user' }, tokens.admin)).status).toBe(201);
    const refused = await call('DELETE', '/plugins/hello', undefined, tokens.admin);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('E_HAS_DEPENDENTS');
    expect((await call('DELETE', '/plugins/hello?force=maybe', undefined, tokens.admin)).status).toBe(400);
    const forced = await call('DELETE', '/plugins/hello?force=true', undefined, tokens.admin);
    expect(forced.status).toBe(200);
    expect(forced.body).toEqual({ unloaded: { name: 'hello', version: '1.0.0' } });
    expect((await fetch(`${service.url}/api/plugin/hello/1`)).status).toBe(404);
    expect((await call('DELETE', '/plugins/alpha', undefined, tokens.admin)).status).toBe(200);
    expect((await call('DELETE', '/plugins/alpha', undefined, tokens.admin)).body.error.code).toBe('E_NOT_LOADED');
  });
});
