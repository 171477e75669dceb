/**
 * The registry client over a real socket: a small node:http registry on
 * 127.0.0.1, port 0, speaking the wire format of docs/design.md's Registry HTTP API
 * with Node's own fetch. Covers what only a socket shows: real ETag/304,
 * retries, a streamed body cut off mid-transfer, a streamed upload, and a
 * refused connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient, type RegistryClient } from '../../src/core/registry/client.js';
import { isRegistryError, isSizeLimitError } from '../../src/core/errors/index.js';

const BIG_CHUNKS = 16 * 1024;

function documentOf(name: string, version = '1.2.0') {
  return {
    name,
    distTags: { latest: version },
    modified: '2024-05-01T00:00:00.000Z',
    versions: {
      [version]: {
        manifest: { name, version, source: { mode: 'esm', path: 'index.js' } },
        dist: { integrity: 'sha256-AAAA', size: 4, url: '/v1/blobs/sha256/abcd' },
        publishedAt: '2024-05-01T00:00:00.000Z',
        yanked: false,
      },
    },
  };
}

const seen: { method: string; path: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
const big: { written: number; closed?: Promise<boolean> } = { written: 0 };
let flaky = 0;
let server: Server;
let client: RegistryClient;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function streamBig(res: ServerResponse): Promise<void> {
  big.closed = new Promise((resolve) => res.on('close', () => resolve(!res.writableFinished)));
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(1024, 7);
  while (big.written < BIG_CHUNKS && !res.destroyed) {
    big.written += 1;
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end();
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const path = req.url ?? '/';
  const method = req.method ?? 'GET';
  seen.push({ method, path, headers: req.headers, body: Buffer.concat(chunks) });
  const route = `${method} ${path}`;
  if (route === 'GET /v1/plugins/hello') {
    if (req.headers['if-none-match'] === '"rev-1"') return void res.writeHead(304, { etag: '"rev-1"' }).end();
    return send(res, 200, documentOf('hello'), { etag: '"rev-1"' });
  }
  if (route === 'GET /v1/plugins/@acme%2Fhello') return send(res, 200, documentOf('@acme/hello'));
  if (route === 'GET /v1/plugins/flaky') {
    flaky += 1;
    if (flaky === 1) return send(res, 500, { error: { code: 'internal', message: 'disk hiccup' } });
    return send(res, 200, documentOf('flaky'));
  }
  if (route === 'GET /v1/blobs/sha256/big') return streamBig(res);
  if (route === 'GET /v1/blobs/sha256/declared') {
    return void res.writeHead(200, { 'content-length': String(1024 * 1024) }).end(Buffer.alloc(1024 * 1024));
  }
  if (route === 'GET /v1/blobs/sha256/abcd') return void res.writeHead(200).end(Buffer.from([1, 2, 3, 4]));
  if (route === 'PUT /v1/plugins/hello/1.3.0') return send(res, 201, documentOf('hello', '1.3.0').versions['1.3.0']);
  if (route === 'PUT /v1/plugins/hello/1.4.0' || route === 'PUT /v1/plugins/hello/1.5.0') {
    const tries = seen.filter((r) => r.method === 'PUT' && r.path === path).length;
    if (tries === 1)
      return send(res, 429, { error: { code: 'E_TOO_MANY_UPLOADS', message: 'token tok already has 4 uploads in flight' } }, { 'retry-after': '1' });
    return send(res, 201, documentOf('hello', path.split('/')[4]!).versions[path.split('/')[4]!]);
  }
  if (route === 'PUT /v1/plugins/hello/busy') return send(res, 503, { error: { code: 'busy', message: 'try later' } });
  if (route === 'POST /v1/plugins/hello/1.2.0/yank' || route === 'DELETE /v1/plugins/hello/1.2.0/yank') {
    return send(res, 200, { ...documentOf('hello').versions['1.2.0'], yanked: method === 'POST' });
  }
  send(res, 404, { error: { code: 'not_found', message: `plugin "${decodeURIComponent(path.split('/')[3] ?? '')}" is not published` } });
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res).catch((error: unknown) => res.destroy(error as Error)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createRegistryClient({ url: `http://127.0.0.1:${port}`, retryDelayMs: 5, token: 'tok' });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

describe('registry client over node:http', () => {
  it('gets a document with its ETag, then 304', async () => {
    const first = await client.getDocument('hello');
    expect(first.status === 200 && first.etag).toBe('"rev-1"');
    const second = await client.getDocument('hello', { etag: '"rev-1"' });
    expect(second.status).toBe(304);
    const scoped = await client.getDocument('@acme/hello');
    expect(scoped.status === 200 && scoped.document.name).toBe('@acme/hello');
  });

  it('maps a 404 with its server code', async () => {
    const error = await client.getDocument('missing').catch((e: unknown) => e);
    expect(isRegistryError(error) && error.message).toBe(
      `GET ${client.url}/v1/plugins/missing failed: 404 Not Found (not_found: plugin "missing" is not published)`,
    );
  });

  it('retries a 500 and succeeds', async () => {
    const answer = await client.getDocument('flaky');
    expect(answer.status).toBe(200);
    expect(flaky).toBe(2);
  });

  it('cuts a streamed blob off once it passes the limit', async () => {
    const error = await client.download({ url: '/v1/blobs/sha256/big' }, { maxBytes: 4096 }).catch((e: unknown) => e);
    expect(isSizeLimitError(error)).toBe(true);
    expect(await big.closed).toBe(true);
    expect(big.written).toBeLessThan(BIG_CHUNKS);
  });

  it('refuses a Content-Length over the limit, and downloads a small blob', async () => {
    const error = await client.download({ url: '/v1/blobs/sha256/declared', size: 10 }).catch((e: unknown) => e);
    expect(isSizeLimitError(error) && error.message).toContain('Content-Length 1048576 exceeds the limit of 10 bytes');
    expect(Array.from(await client.download({ url: '/v1/blobs/sha256/abcd', size: 4 }))).toEqual([1, 2, 3, 4]);
  });

  it('publishes a streamed body with the token, and never retries a PUT', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('part one, '));
        controller.enqueue(new TextEncoder().encode('part two'));
        controller.close();
      },
    });
    const entry = await client.publish('hello', '1.3.0', body);
    expect(entry.manifest.version).toBe('1.3.0');
    const put = seen.find((r) => r.method === 'PUT' && r.path === '/v1/plugins/hello/1.3.0');
    expect(put?.body.toString()).toBe('part one, part two');
    expect(put?.headers.authorization).toBe('Bearer tok');
    expect(put?.headers['content-type']).toBe('application/gzip');

    const error = await client.publish('hello', 'busy', new Uint8Array(1)).catch((e: unknown) => e);
    expect(isRegistryError(error) && error.serverCode).toBe('busy');
    expect(seen.filter((r) => r.path === '/v1/plugins/hello/busy')).toHaveLength(1);
  });

  it('publishes bytes again after a 429, once its Retry-After has passed; a streamed body gets the 429 as an error', async () => {
    const bytes = new TextEncoder().encode('the package');
    const started = Date.now();
    const entry = await client.publish('hello', '1.4.0', bytes);
    expect(entry.manifest.version).toBe('1.4.0');
    const puts = seen.filter((r) => r.method === 'PUT' && r.path === '/v1/plugins/hello/1.4.0');
    expect(puts.map((r) => r.body.toString())).toEqual(['the package', 'the package']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const error = await client.publish('hello', '1.5.0', body).catch((e: unknown) => e);
    expect(isRegistryError(error) && [error.status, error.serverCode]).toEqual([429, 'E_TOO_MANY_UPLOADS']);
    expect(seen.filter((r) => r.path === '/v1/plugins/hello/1.5.0')).toHaveLength(1);
  });

  it('yanks and unyanks, answering the version entry in its new state', async () => {
    expect(await client.yank('hello', '1.2.0')).toMatchObject({ manifest: { name: 'hello', version: '1.2.0' }, yanked: true });
    expect(await client.yank('hello', '1.2.0', { undo: true })).toMatchObject({ yanked: false });
    const yanks = seen.filter((r) => r.path.endsWith('/yank')).map((r) => r.method);
    expect(yanks).toEqual(['POST', 'DELETE']);
  });

  it('reports a refused connection as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = createRegistryClient({ url: `http://127.0.0.1:${port}`, retry: 1, retryDelayMs: 1 });
    const error = await offline.getDocument('hello').catch((e: unknown) => e);
    expect(isRegistryError(error)).toBe(true);
    if (!isRegistryError(error)) return;
    expect(error.unreachable).toBe(true);
    expect(error.message).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/v1/plugins/hello failed: registry unreachable \\(.*ECONNREFUSED`));
  });
});
