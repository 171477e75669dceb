/**
 * The hot reads (a plain GET or HEAD of a document or a blob, answered
 * without the router) give what the router gives: the same status, headers
 * and bytes as the same route reached through hono (a query string sends a
 * request there), a HEAD without its body, counted once under the route's
 * pattern; the headers and bytes kept per document version follow every
 * change — a publish, a yank, a dist-tag move — and a 304 answers the ETag
 * the registry sent. Over a socket, the node:http bridge writes the same
 * headers as the Response carries.
 */
import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../../src/core/metrics/index.js';
import { ORIGIN, get, pluginPath, publish, testRegistry, type TestRegistry } from './helpers.js';
import { servedRegistry } from './socket-helpers.js';

const DOCUMENT_ROUTE = '/v1/plugins/:name';
const BLOB_ROUTE = '/v1/blobs/:algorithm/:hex';

/** The headers of a response, as a plain object (Date left out: it is the clock's). */
function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'date') headers[key] = value;
  });
  return headers;
}

function requests(snapshot: MetricsSnapshot, labels: Record<string, string>): number {
  const metric = snapshot.metrics.find((candidate) => candidate.name === 'plughub_registry_requests_total');
  const series = metric?.series.find((candidate) => Object.entries(labels).every(([key, value]) => candidate.labels[key] === value));
  return series !== undefined && 'value' in series ? series.value : 0;
}

async function answer(response: Response): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return { status: response.status, headers: headersOf(response), body: await response.text() };
}

async function tag(registry: TestRegistry, name: string, tagName: string, version: string): Promise<void> {
  const response = await registry.fetch(
    new Request(`${ORIGIN}${pluginPath(name)}/dist-tags/${tagName}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${registry.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version }),
    }),
  );
  expect(response.status).toBe(200);
}

describe.each(['memory', 'fs'] as const)('hot reads (%s storage)', (driver) => {
  it('answer a document and a blob exactly as the router does, HEAD without a body, each request counted once', async () => {
    const registry = await testRegistry({ driver });
    const { entry } = await publish(registry, 'hello', '1.0.0');
    const blobPath = entry.dist.url as string;
    for (const path of [pluginPath('hello'), blobPath]) {
      const hot = await answer(await get(registry, path));
      const routed = await answer(await get(registry, `${path}?via=router`));
      expect(hot.status).toBe(200);
      expect(hot).toEqual(routed);
      const etag = hot.headers.etag ?? '';
      const notModified = await answer(await get(registry, path, { 'if-none-match': etag }));
      expect(notModified).toEqual(await answer(await get(registry, `${path}?via=router`, { 'if-none-match': etag })));
      expect(notModified.status).toBe(304);
      expect(notModified.body).toBe('');
      const head = await registry.fetch(new Request(`${ORIGIN}${path}`, { method: 'HEAD' }));
      const routedHead = await registry.fetch(new Request(`${ORIGIN}${path}?via=router`, { method: 'HEAD' }));
      expect(await answer(head)).toEqual({ ...hot, body: '' });
      expect(await answer(routedHead)).toEqual({ ...hot, body: '' });
    }
    const snapshot = registry.registry.metrics();
    expect(requests(snapshot, { route: DOCUMENT_ROUTE, method: 'GET', status: '200' })).toBe(2);
    expect(requests(snapshot, { route: DOCUMENT_ROUTE, method: 'GET', status: '304' })).toBe(2);
    expect(requests(snapshot, { route: DOCUMENT_ROUTE, method: 'HEAD', status: '200' })).toBe(2);
    expect(requests(snapshot, { route: BLOB_ROUTE, method: 'GET', status: '200' })).toBe(2);
    expect(requests(snapshot, { route: BLOB_ROUTE, method: 'HEAD', status: '200' })).toBe(2);
  });

  it('answer errors as the router does: a bad name, an unknown plugin, a malformed or unknown blob', async () => {
    const registry = await testRegistry({ driver });
    const paths = ['/v1/plugins/Upper', '/v1/plugins/missing', `/v1/blobs/sha256/${'0'.repeat(64)}`, `/v1/blobs/sha256/${'Z'.repeat(64)}`];
    for (const path of paths) {
      const hot = await answer(await get(registry, path));
      const routed = await answer(await get(registry, `${path}?via=router`));
      expect(hot, path).toEqual(routed);
      expect(hot.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it('follow every change of the document: a publish, a yank, a dist-tag move; a 304 only for the current ETag', async () => {
    const registry = await testRegistry({ driver });
    await publish(registry, 'hello', '1.0.0');
    const seen = new Set<string>();
    const current = async () => {
      const response = await get(registry, pluginPath('hello'));
      const etag = response.headers.get('etag') ?? '';
      const document = (await response.json()) as { versions: Record<string, { yanked?: boolean }>; distTags: Record<string, string> };
      expect((await get(registry, pluginPath('hello'), { 'if-none-match': etag })).status).toBe(304);
      for (const old of seen) expect((await get(registry, pluginPath('hello'), { 'if-none-match': old })).status).toBe(200);
      seen.add(etag);
      return document;
    };
    expect(Object.keys((await current()).versions)).toEqual(['1.0.0']);
    await publish(registry, 'hello', '1.1.0');
    expect(Object.keys((await current()).versions).sort()).toEqual(['1.0.0', '1.1.0']);
    const auth = { authorization: `Bearer ${registry.adminToken}` };
    expect((await registry.fetch(new Request(`${ORIGIN}${pluginPath('hello', '1.1.0')}/yank`, { method: 'POST', headers: auth }))).status).toBe(200);
    expect((await current()).versions['1.1.0']?.yanked).toBe(true);
    await tag(registry, 'hello', 'stable', '1.0.0');
    expect((await current()).distTags.stable).toBe('1.0.0');
    expect(seen.size).toBe(4);
  });
});

describe('hot reads over a socket', () => {
  it('send the headers the Response carries, for a 200, a 304 and a HEAD', async () => {
    const served = await servedRegistry();
    await publish(served, 'hello', '1.0.0');
    const url = `${served.url}${pluginPath('hello')}`;
    const direct = await get(served, pluginPath('hello'));
    const expected = headersOf(direct);
    const body = await direct.text();
    const overSocket = await fetch(url);
    const { 'keep-alive': _keepAlive, connection: _connection, ...sent } = headersOf(overSocket);
    expect(sent).toEqual(expected);
    expect(await overSocket.text()).toBe(body);
    const notModified = await fetch(url, { headers: { 'if-none-match': expected.etag ?? '' } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(expected.etag);
    expect(notModified.headers.get('access-control-allow-origin')).toBe('*');
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(new TextEncoder().encode(body).byteLength));
    expect(await head.text()).toBe('');
  });
});
