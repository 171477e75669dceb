/**
 * The reads answered at once from memory (ANSWER_AT_ONCE, http/hot-reads.ts):
 * a GET or HEAD of a document or blob the storage holds gives exactly what
 * fetch gives (status, headers in order, bytes; a 304 to the ETag; HEAD
 * without the body), counted once in the route's series and, for a blob
 * GET answered 200, as a download. Everything else is left to fetch: other
 * methods and paths, queries and escapes, unknown or invalid names, a hard
 * reload, an envelope asked of a signing registry, a document the fs
 * storage must look at again. The storages' peeks never answer other than
 * getDocument and getBlob would. Over a socket, answers the socket takes
 * whole, pipelined ones waiting behind another, and onResponse all work.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../../src/core/metrics/index.js';
import { ANSWER_AT_ONCE, type ReadyAnswer } from '../../registry-server/http/ready.js';
import { SizedLru } from '../../registry-server/storage/lru.js';
import {
  createFsStorage,
  createMemorySigningStore,
  createMemoryStorage,
  createMemoryTokenStore,
  createRegistry,
  serveNode,
} from '../../registry-server/index.js';
import type { ServedRequest } from '../../registry-server/node/serve.js';
import { ORIGIN, get, onCleanup, pluginPath, publish, tempDir, testRegistry } from './helpers.js';
import { ENVELOPE_ACCEPT } from './trust-helpers.js';

const decoder = new TextDecoder();

/** A response as the tests compare them: status, headers in order (Date left out), body text. */
interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
}

async function answerOf(response: Response): Promise<Answer> {
  const headers: [string, string][] = [];
  response.headers.forEach((value, key) => {
    if (key !== 'date') headers.push([key, value]);
  });
  return { status: response.status, headers, body: await response.text() };
}

function readyOf(ready: ReadyAnswer | undefined): Answer {
  if (ready === undefined) throw new Error('the registry did not answer at once');
  const headers: [string, string][] = [];
  for (let i = 0; i < ready.headerList.length; i += 2) headers.push([ready.headerList[i]!, ready.headerList[i + 1]!]);
  expect(Object.entries(ready.headers)).toEqual(headers);
  // Headers as a Response carries them: sorted by name.
  headers.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { status: ready.status, headers, body: ready.body === null ? '' : decoder.decode(ready.body) };
}

function requests(snapshot: MetricsSnapshot, labels: Record<string, string>): number {
  const metric = snapshot.metrics.find((candidate) => candidate.name === 'plughub_registry_requests_total');
  const series = metric?.series.filter((candidate) => Object.entries(labels).every(([key, value]) => candidate.labels[key] === value)) ?? [];
  return series.reduce((sum, one) => sum + ('value' in one ? one.value : 0), 0);
}

async function downloadsOf(fetcher: (request: Request) => Promise<Response>, name: string): Promise<number> {
  const response = await fetcher(new Request(`${ORIGIN}/v1/plugins/${name}/stats`));
  return ((await response.json()) as { downloads: { total: number } }).downloads.total;
}

describe.each(['memory', 'fs'] as const)('answers at once (%s storage)', (driver) => {
  it('are what fetch answers — 200, 304 and HEAD of a document and a blob — each counted once, blob GETs as downloads', async () => {
    const registry = await testRegistry({ driver });
    const { entry } = await publish(registry, 'hello', '1.0.0');
    const blobPath = entry.dist.url as string;
    const atOnce = registry.registry[ANSWER_AT_ONCE];
    for (const path of [pluginPath('hello'), blobPath]) {
      const routed = await answerOf(await get(registry, `${path}?via=router`));
      const etag = routed.headers.find(([key]) => key === 'etag')?.[1] ?? '';
      const routedNotModified = await answerOf(await get(registry, `${path}?via=router`, { 'if-none-match': etag }));
      expect(routedNotModified.status).toBe(304);
      const downloadsBefore = await downloadsOf(registry.fetch, 'hello');
      // A GET through fetch has the storage read the body (the fs driver: look at the document's file again); no await from here on.
      await get(registry, path);
      const before = registry.registry.metrics();
      expect(readyOf(atOnce('GET', path, {}))).toEqual(routed);
      expect(readyOf(atOnce('GET', path, { 'if-none-match': etag }))).toEqual(routedNotModified);
      expect(readyOf(atOnce('GET', path, { 'if-none-match': `"other", W/${etag}` }))).toEqual(routedNotModified);
      expect(readyOf(atOnce('HEAD', path, {}))).toEqual({ ...routed, body: '' });
      expect(readyOf(atOnce('GET', path, { 'cache-control': 'max-age=60', accept: 'application/json' }))).toEqual(routed);
      const after = registry.registry.metrics();
      const route = path === blobPath ? '/v1/blobs/:algorithm/:hex' : '/v1/plugins/:name';
      const count = (snapshot: MetricsSnapshot, method: string, status: string) => requests(snapshot, { route, method, status });
      expect(count(after, 'GET', '200') - count(before, 'GET', '200')).toBe(2);
      expect(count(after, 'GET', '304') - count(before, 'GET', '304')).toBe(2);
      expect(count(after, 'HEAD', '200') - count(before, 'HEAD', '200')).toBe(1);
      expect((await downloadsOf(registry.fetch, 'hello')) - downloadsBefore).toBe(path === blobPath ? 3 : 0);
    }
  });

  it('leave to fetch what they cannot answer from memory, counting nothing', async () => {
    const registry = await testRegistry({ driver });
    const { entry } = await publish(registry, 'hello', '1.0.0');
    const blobPath = entry.dist.url as string;
    await get(registry, blobPath);
    // The last await: the fs driver may have to look at the document again after its own index write.
    await get(registry, pluginPath('hello'));
    const atOnce = registry.registry[ANSWER_AT_ONCE];
    const metricsNow = () => JSON.stringify(registry.registry.metrics().metrics);
    const before = metricsNow();
    const declined: [string, string, Record<string, string>][] = [
      ['POST', pluginPath('hello'), {}],
      ['DELETE', blobPath, {}],
      ['GET', '/v1/plugins/missing', {}],
      ['GET', '/v1/plugins/Upper', {}],
      ['GET', '/v1/plugins/', {}],
      ['GET', '/v1/plugins/hello/1.0.0', {}],
      ['GET', '/v1/plugins/hello?q=1', {}],
      ['GET', '/v1/plugins/h%65llo', {}],
      ['GET', '/v1/plugins/..', {}],
      ['GET', `${ORIGIN}/v1/plugins/hello`, {}],
      ['GET', `${blobPath}?x`, {}],
      ['GET', blobPath.toUpperCase(), {}],
      ['GET', blobPath.replace('sha256', 'sha512'), {}],
      ['GET', `/v1/blobs/sha256/${'0'.repeat(64)}`, {}],
      ['GET', pluginPath('hello'), { 'cache-control': 'no-cache' }],
      ['GET', pluginPath('hello'), { 'cache-control': 'max-age=0' }],
      ['GET', pluginPath('hello'), { pragma: 'no-cache' }],
      ['GET', '/v1/plugins', {}],
      ['GET', '/healthz', {}],
    ];
    for (const [method, target, headers] of declined) expect(atOnce(method, target, headers), `${method} ${target}`).toBeUndefined();
    expect(metricsNow()).toBe(before);
    // While the document and blob those requests named are held in memory and answered at once.
    expect(atOnce('GET', pluginPath('hello'), {})?.status).toBe(200);
    expect(atOnce('GET', blobPath, {})?.status).toBe(200);
  });

  it('peek at documents and blobs only as getDocument and getBlob would answer them, the new document once changed', async () => {
    const registry = await testRegistry({ driver });
    const { storage } = registry;
    expect(storage.peekDocument?.('hello')).toBeUndefined();
    const { entry } = await publish(registry, 'hello', '1.0.0');
    const hex = (entry.dist.url as string).split('/').at(-1)!;
    const first = await storage.getDocument('hello');
    expect(storage.peekDocument?.('hello')?.bytes).toEqual(first?.bytes);
    expect(storage.peekBlob?.('sha256', hex) ?? (await storage.getBlob('sha256', hex))).toEqual(await storage.getBlob('sha256', hex));
    expect(storage.peekBlob?.('sha256', hex)).toEqual(await storage.getBlob('sha256', hex));
    expect(storage.peekBlob?.('sha512', hex)).toBeUndefined();
    await publish(registry, 'hello', '1.1.0');
    const second = await storage.getDocument('hello');
    expect(second?.etag).not.toBe(first?.etag);
    const peeked = storage.peekDocument?.('hello');
    if (peeked !== undefined) expect(peeked.etag).toBe(second?.etag);
    for (const name of ['', 'x'.repeat(20_000), '../hello', '@acme/../../x']) expect(() => storage.peekDocument?.(name)).not.toThrow();
  });
});

describe('answers at once, fs storage', () => {
  it('leave a document due for a look at its file to fetch (revalidateMs 0: every time)', async () => {
    const directory = await tempDir();
    const storage = createFsStorage(directory, { revalidateMs: 0 });
    onCleanup(() => storage.close());
    const tokens = createMemoryTokenStore();
    const { token } = await tokens.create({ admin: true, publish: [] });
    const registry = createRegistry({ storage, tokens });
    onCleanup(() => registry.close());
    await publish({ fetch: registry.fetch, adminToken: token }, 'hello', '1.0.0');
    // Its file in place (right after the answer; the list waits for it): from then on, the file is the truth.
    await storage.listPlugins();
    expect((await get(registry, pluginPath('hello'))).status).toBe(200);
    expect(registry[ANSWER_AT_ONCE]('GET', pluginPath('hello'), {})).toBeUndefined();
  });
});

describe('answers at once, signing registry', () => {
  it('answer the plain document with Vary: Accept as fetch does, and leave an envelope to fetch', async () => {
    const storage = createMemoryStorage();
    const tokens = createMemoryTokenStore();
    const { token } = await tokens.create({ admin: true, publish: [] });
    const registry = createRegistry({ storage, tokens, signing: { store: createMemorySigningStore() } });
    onCleanup(() => registry.close());
    await publish({ fetch: registry.fetch, adminToken: token }, 'hello', '1.0.0');
    const routed = await answerOf(await get(registry, `${pluginPath('hello')}?via=router`));
    expect(routed.headers).toContainEqual(['vary', 'Accept']);
    expect(readyOf(registry[ANSWER_AT_ONCE]('GET', pluginPath('hello'), {}))).toEqual(routed);
    expect(registry[ANSWER_AT_ONCE]('GET', pluginPath('hello'), ENVELOPE_ACCEPT)).toBeUndefined();
  });
});

describe('SizedLru', () => {
  it('evicts the least recently used, a read of the newest entry included', () => {
    const lru = new SizedLru<number>(3, () => 1);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    expect(lru.get('c')).toBe(3);
    expect(lru.get('a')).toBe(1);
    expect(lru.get('a')).toBe(1);
    lru.set('d', 4);
    expect(lru.get('b')).toBeUndefined();
    lru.delete('d');
    lru.set('e', 5);
    lru.set('f', 6);
    expect([lru.get('c'), lru.get('a'), lru.get('e'), lru.get('f')]).toEqual([undefined, 1, 5, 6]);
  });
});

describe('answers at once over a socket', () => {
  it('send the bytes fetch answers, tell onResponse, and answer pipelined requests in order', async () => {
    const served: ServedRequest[] = [];
    const registry = await testRegistry({ driver: 'fs' });
    // Served as `plughub serve` serves it: straight, so that its answers given at once are used.
    const server = await serveNode(registry.registry, { port: 0, host: '127.0.0.1', closeGraceMs: 100, onResponse: (request) => served.push(request) });
    onCleanup(() => server.close());
    const { entry } = await publish(registry, 'hello', '1.0.0');
    const blobPath = entry.dist.url as string;
    const expected = await (await get(registry, `${pluginPath('hello')}?via=router`)).text();
    const blob = await (await get(registry, blobPath)).text();
    for (let i = 0; i < 3; i++) {
      expect(await (await fetch(`${server.url}${pluginPath('hello')}`)).text()).toBe(expected);
      expect(await (await fetch(`${server.url}${blobPath}`)).text()).toBe(blob);
    }
    const answered = served.filter((one) => one.request.url === blobPath && one.status === 200);
    expect(answered.length).toBe(3);
    for (const one of answered) expect(one.bytes).toBe(new TextEncoder().encode(blob).byteLength);
    // Three requests in one packet: the second and third wait for the first, and all three come back whole, in order.
    const socket = connect({ host: '127.0.0.1', port: server.port });
    onCleanup(() => void socket.destroy());
    await once(socket, 'connect');
    const head = (path: string, close = false) => `GET ${path} HTTP/1.1\r\nHost: registry.test\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
    socket.write(head(pluginPath('hello')) + head(blobPath) + head(pluginPath('hello'), true));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'end');
    const text = Buffer.concat(chunks).toString('utf8');
    const bodies = text.split(/HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\n/).slice(1);
    expect(bodies).toEqual([expected, blob, expected]);
  });

  it('send a blob a storage holds as a view into a larger buffer as exactly its own bytes, again and again', async () => {
    const backing = new Uint8Array(4096).map((_, i) => i % 251);
    const view = backing.subarray(7, 7 + 3000);
    const hex = createHash('sha256').update(view).digest('hex');
    const memory = createMemoryStorage();
    await memory.putBlob('sha256', hex, view);
    // A driver whose cache hands out views of a larger buffer (the memory storage keeps copies).
    const storage = { ...memory, peekBlob: (algorithm: string, wanted: string) => (wanted === hex ? view : memory.peekBlob?.(algorithm, wanted)) };
    const registry = createRegistry({ storage, tokens: createMemoryTokenStore() });
    onCleanup(() => registry.close());
    // Served as `plughub serve` serves it: straight, so that its answers given at once are used.
    const server = await serveNode(registry, { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
    onCleanup(() => server.close());
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.url}/v1/blobs/sha256/${hex}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe('3000');
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(view);
    }
  });
});
