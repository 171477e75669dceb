/**
 * The registry API through the handler: publish, fetch the document,
 * download the blob, scoped names end to end, ETags and 304s, cache and CORS
 * headers, listing and search, yank and un-yank, the health check and 404s.
 */
import { describe, expect, it } from 'vitest';
import { computeIntegrity } from '../../src/core/integrity.js';
import { parsePluginDocument, parsePluginList } from '../../src/core/registry/document.js';
import { ORIGIN, errorOf, get, pluginPath, publish, testRegistry } from './helpers.js';

describe.each(['fs', 'memory'] as const)('registry API (%s storage)', (driver) => {
  it('publishes a version whose document and blob match what was uploaded', async () => {
    const registry = await testRegistry({ driver });
    const { entry, bundle } = await publish(registry, 'hello', '1.0.0');
    expect(entry.dist).toEqual({
      integrity: await computeIntegrity(bundle),
      size: bundle.byteLength,
      url: expect.stringMatching(/^\/v1\/blobs\/sha256\/[0-9a-f]{64}$/),
    });
    expect(entry.yanked).toBe(false);
    const response = await get(registry, pluginPath('hello'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = parsePluginDocument(await response.json(), 'hello');
    expect(document.distTags.latest).toBe('1.0.0');
    expect(document.versions['1.0.0']).toEqual(entry);
    const blob = await get(registry, entry.dist.url);
    expect(blob.status).toBe(200);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect(bytes).toEqual(bundle);
    expect(await computeIntegrity(bytes)).toBe(entry.dist.integrity);
    expect(blob.headers.get('content-length')).toBe(String(bundle.byteLength));
    expect(blob.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('serves scoped names URL-encoded, end to end', async () => {
    const registry = await testRegistry({ driver });
    const { entry, bundle } = await publish(registry, '@acme/hello', '0.1.0');
    for (const path of ['/v1/plugins/@acme%2Fhello', '/v1/plugins/%40acme%2Fhello', '/v1/plugins/@acme%2fhello']) {
      const response = await get(registry, path);
      expect(response.status, path).toBe(200);
      expect(parsePluginDocument(await response.json(), '@acme/hello').versions['0.1.0']?.dist).toEqual(entry.dist);
    }
    expect(new Uint8Array(await (await get(registry, entry.dist.url)).arrayBuffer())).toEqual(bundle);
    expect((await get(registry, '/v1/plugins/@acme/hello')).status).toBe(404);
  });

  it('answers 304 to a matching If-None-Match and changes the ETag on every publish and yank', async () => {
    const registry = await testRegistry({ driver });
    await publish(registry, 'hello', '1.0.0');
    const first = await get(registry, pluginPath('hello'));
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    const notModified = await get(registry, pluginPath('hello'), { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(await notModified.text()).toBe('');
    expect((await get(registry, pluginPath('hello'), { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);

    const seen = new Set([etag]);
    const auth = { authorization: `Bearer ${registry.adminToken}` };
    const steps = [
      () => publish(registry, 'hello', '1.1.0'),
      () => registry.fetch(new Request(`${ORIGIN}${pluginPath('hello', '1.1.0')}/yank`, { method: 'POST', headers: auth })),
      () => registry.fetch(new Request(`${ORIGIN}${pluginPath('hello', '1.1.0')}/yank`, { method: 'DELETE', headers: auth })),
    ];
    for (const step of steps) {
      await step();
      const next = (await get(registry, pluginPath('hello'))).headers.get('etag')!;
      expect(seen.has(next)).toBe(false);
      seen.add(next);
      expect((await get(registry, pluginPath('hello'), { 'if-none-match': etag })).status).toBe(200);
    }
  });

  it('answers blob ETags with 304 and unknown or malformed blob paths with 404', async () => {
    const registry = await testRegistry({ driver });
    const { entry } = await publish(registry, 'hello', '1.0.0');
    const blob = await get(registry, entry.dist.url);
    expect((await get(registry, entry.dist.url, { 'if-none-match': blob.headers.get('etag')! })).status).toBe(304);
    const hex = entry.dist.url.split('/').pop() as string;
    for (const path of [
      `/v1/blobs/sha256/${'0'.repeat(64)}`,
      `/v1/blobs/sha256/${hex.toUpperCase()}`,
      `/v1/blobs/sha256/${hex.slice(2)}`,
      `/v1/blobs/sha512/${hex}`,
      `/v1/blobs/sha256/..%2F..%2Ftokens.json`,
      `/v1/blobs/sha256/${hex}/more`,
      '/v1/blobs/sha256',
    ]) {
      const response = await get(registry, path);
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code).toBe('E_NOT_FOUND');
    }
  });

  it('carries CORS headers on reads and answers preflights', async () => {
    const registry = await testRegistry({ driver });
    const { entry } = await publish(registry, 'hello', '1.0.0');
    for (const path of [pluginPath('hello'), entry.dist.url, '/v1/plugins', pluginPath('missing')]) {
      const response = await get(registry, path, { origin: 'https://app.example' });
      expect(response.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(response.headers.get('access-control-expose-headers'), path).toMatch(/ETag/);
    }
    const preflight = await registry.fetch(
      new Request(`${ORIGIN}${pluginPath('hello')}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/GET/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/If-None-Match/i);
  });

  it('answers HEAD like GET without a body', async () => {
    const registry = await testRegistry({ driver });
    await publish(registry, 'hello', '1.0.0');
    const head = await registry.fetch(new Request(`${ORIGIN}${pluginPath('hello')}`, { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toMatch(/^"/);
    expect(await head.text()).toBe('');
  });

  it('lists and searches plugins with q, limit and offset', async () => {
    const registry = await testRegistry({ driver });
    await publish(registry, 'alpha', '1.0.0');
    await publish(registry, 'beta', '2.0.0');
    await publish(registry, '@acme/gamma', '0.3.0');
    await publish(registry, 'beta', '2.1.0');
    const all = parsePluginList(await (await get(registry, '/v1/plugins')).json());
    expect(all.total).toBe(3);
    expect(all.plugins.map((p) => [p.name, p.latest, p.description])).toEqual([
      ['@acme/gamma', '0.3.0', 'The @acme/gamma plugin'],
      ['alpha', '1.0.0', 'The alpha plugin'],
      ['beta', '2.1.0', 'The beta plugin'],
    ]);
    expect(all.plugins.every((p) => !Number.isNaN(Date.parse(p.modified)))).toBe(true);
    const page = parsePluginList(await (await get(registry, '/v1/plugins?limit=1&offset=1')).json());
    expect([page.total, page.plugins.map((p) => p.name)]).toEqual([3, ['alpha']]);
    const search = parsePluginList(await (await get(registry, '/v1/plugins?q=GAMMA')).json());
    expect(search.plugins.map((p) => p.name)).toEqual(['@acme/gamma']);
    expect(parsePluginList(await (await get(registry, '/v1/plugins?q=beta%20plugin')).json()).total).toBe(1);
    expect(parsePluginList(await (await get(registry, '/v1/plugins?q=nothing')).json())).toEqual({ total: 0, plugins: [] });
    for (const query of ['limit=0', 'limit=1000', 'limit=x', 'offset=-1', `q=${'x'.repeat(201)}`]) {
      const response = await get(registry, `/v1/plugins?${query}`);
      expect(response.status, query).toBe(400);
      expect((await errorOf(response)).code).toBe('E_BAD_REQUEST');
    }
  });

  it('yanks and restores a version: latest moves, the exact version stays downloadable', async () => {
    const registry = await testRegistry({ driver });
    await publish(registry, 'hello', '1.0.0');
    const { entry } = await publish(registry, 'hello', '1.1.0');
    const yankUrl = `${ORIGIN}${pluginPath('hello', '1.1.0')}/yank`;
    const auth = { authorization: `Bearer ${registry.adminToken}` };
    const yanked = await registry.fetch(new Request(yankUrl, { method: 'POST', headers: auth }));
    expect(yanked.status).toBe(200);
    expect(((await yanked.json()) as { yanked: boolean }).yanked).toBe(true);
    let document = parsePluginDocument(await (await get(registry, pluginPath('hello'))).json(), 'hello');
    expect(document.versions['1.1.0']?.yanked).toBe(true);
    expect(document.distTags.latest).toBe('1.0.0');
    expect((await get(registry, entry.dist.url)).status).toBe(200);
    expect((await registry.fetch(new Request(yankUrl, { method: 'POST', headers: auth }))).status).toBe(200);

    const restored = await registry.fetch(new Request(yankUrl, { method: 'DELETE', headers: auth }));
    expect(((await restored.json()) as { yanked: boolean }).yanked).toBe(false);
    document = parsePluginDocument(await (await get(registry, pluginPath('hello'))).json(), 'hello');
    expect([document.versions['1.1.0']?.yanked, document.distTags.latest]).toEqual([false, '1.1.0']);

    const missing = await registry.fetch(new Request(`${ORIGIN}${pluginPath('hello', '9.9.9')}/yank`, { method: 'POST', headers: auth }));
    expect([missing.status, (await errorOf(missing)).code]).toEqual([404, 'E_NOT_FOUND']);
    const unknown = await registry.fetch(new Request(`${ORIGIN}${pluginPath('nobody', '1.0.0')}/yank`, { method: 'POST', headers: auth }));
    expect(unknown.status).toBe(404);
    const anonymous = await registry.fetch(new Request(yankUrl, { method: 'POST' }));
    expect(anonymous.status).toBe(401);
  });

  it('keeps latest on the highest stable version, whatever the publish order', async () => {
    const registry = await testRegistry({ driver });
    for (const version of ['2.0.0', '1.5.0', '3.0.0-beta.1']) await publish(registry, 'hello', version);
    const document = parsePluginDocument(await (await get(registry, pluginPath('hello'))).json(), 'hello');
    expect(document.distTags.latest).toBe('2.0.0');
  });

  it('answers the health check, unknown routes and unknown plugins', async () => {
    const registry = await testRegistry({ driver });
    const health = await get(registry, '/healthz');
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', storage: driver }]);
    for (const path of [pluginPath('missing'), '/nope', '/v1/plugins/a/b/c/d']) {
      const response = await get(registry, path);
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code).toBe('E_NOT_FOUND');
    }
    const invalid = await get(registry, '/v1/plugins/Not%20Valid');
    expect([invalid.status, (await errorOf(invalid)).code]).toEqual([400, 'E_BAD_REQUEST']);
  });
});
