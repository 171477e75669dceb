/**
 * The registry over a real socket (127.0.0.1, port 0) through the node:http
 * bridge: the main API paths, early 413s while the client is still sending,
 * aborted uploads, the request signal when a client goes away, and streamed
 * responses.
 */
import { EventEmitter, once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { computeIntegrity } from '../../src/core/integrity.js';
import { parsePluginDocument } from '../../src/core/registry/document.js';
import { createRegistry } from '../../registry-server/index.js';
import { storedFingerprint, pluginPackage, pluginPath, publishRequest, testRegistry } from './helpers.js';
import { rawPut, serve, servedRegistry } from './socket-helpers.js';

const MiB = 1024 * 1024;

describe('registry over a socket', () => {
  it('publishes, serves the document and the blob, for plain and scoped names', async () => {
    const registry = await servedRegistry();
    for (const name of ['hello', '@acme/hello']) {
      const { bytes, bundle } = await pluginPackage(name, '1.2.0');
      const put = await fetch(publishRequest(name, '1.2.0', bytes, { token: registry.adminToken, origin: registry.url }));
      expect(put.status).toBe(201);
      expect(put.headers.get('location')).toBe(pluginPath(name));
      const response = await fetch(`${registry.url}${pluginPath(name)}`);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      const document = parsePluginDocument(await response.json(), name);
      const dist = document.versions['1.2.0']!.dist;
      const blob = await fetch(`${registry.url}${dist.url}`);
      expect(blob.headers.get('content-length')).toBe(String(bundle.byteLength));
      const downloaded = new Uint8Array(await blob.arrayBuffer());
      expect(downloaded).toEqual(bundle);
      expect(await computeIntegrity(downloaded)).toBe(dist.integrity);
      const etag = response.headers.get('etag')!;
      expect((await fetch(`${registry.url}${pluginPath(name)}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
    const head = await fetch(`${registry.url}${pluginPath('hello')}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('etag') !== null]).toEqual([200, true]);
    const preflight = await fetch(`${registry.url}${pluginPath('hello')}`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect((await fetch(`${registry.url}/healthz`)).status).toBe(200);
  });

  it('answers 413 to a Content-Length above the limit while the client is still sending, and stores nothing', async () => {
    const registry = await servedRegistry();
    const before = await storedFingerprint(registry);
    const declared = 11 * MiB;
    const { request, response } = rawPut(registry.url, pluginPath('hello', '1.0.0'), {
      authorization: `Bearer ${registry.adminToken}`,
      'content-type': 'application/gzip',
      'content-length': String(declared),
    });
    request.write(new Uint8Array(64 * 1024));
    const { message, body } = await response;
    expect(message.statusCode).toBe(413);
    expect(message.headers.connection).toBe('close');
    expect(JSON.parse(body).error.code).toBe('E_TOO_LARGE');
    request.destroy();
    expect(await storedFingerprint(registry)).toEqual(before);
  });

  it('answers 413 to a chunked upload once it passes the limit, and stores nothing', async () => {
    const registry = await servedRegistry({ limits: { maxPackageBytes: 256 * 1024 } });
    const before = await storedFingerprint(registry);
    const { bytes } = await pluginPackage('hello', '1.0.0');
    const { request, response } = rawPut(registry.url, pluginPath('hello', '1.0.0'), {
      authorization: `Bearer ${registry.adminToken}`,
      'content-type': 'application/gzip',
    });
    let answered = false;
    void response.then(
      () => (answered = true),
      () => (answered = true),
    );
    request.write(bytes);
    let sent = bytes.byteLength;
    while (!answered && sent < 8 * MiB) {
      if (!request.write(new Uint8Array(32 * 1024))) await Promise.race([once(request, 'drain'), response]);
      sent += 32 * 1024;
    }
    const { message, body } = await response;
    expect(message.statusCode).toBe(413);
    expect(JSON.parse(body).error.code).toBe('E_TOO_LARGE');
    expect(sent).toBeLessThan(8 * MiB);
    request.destroy();
    expect(await storedFingerprint(registry)).toEqual(before);
  });

  it('stores nothing from an upload the client abandons midway, and keeps serving', async () => {
    const registry = await servedRegistry();
    const before = await storedFingerprint(registry);
    const { bytes } = await pluginPackage('hello', '1.0.0', { bundleBytes: 200 * 1024 });
    const { request, response } = rawPut(registry.url, pluginPath('hello', '1.0.0'), {
      authorization: `Bearer ${registry.adminToken}`,
      'content-type': 'application/gzip',
      'content-length': String(bytes.byteLength),
    });
    response.catch(() => undefined);
    const status = once(registry.handled, 'status');
    request.write(bytes.subarray(0, bytes.byteLength / 2), () => request.destroy());
    expect(await status).toEqual([400]);
    expect(await storedFingerprint(registry)).toEqual(before);
    const { bytes: whole } = await pluginPackage('hello', '1.0.0');
    expect((await fetch(publishRequest('hello', '1.0.0', whole, { token: registry.adminToken, origin: registry.url }))).status).toBe(201);
  });
});

describe('node:http bridge', () => {
  it('aborts the request signal when the client goes away', async () => {
    const started = new EventEmitter();
    const { server } = await serve({
      fetch: (request) =>
        new Promise<Response>((respond) => {
          request.signal.addEventListener('abort', () => {
            started.emit('aborted', request.signal.reason);
            respond(new Response('too late'));
          });
          started.emit('started');
        }),
    });
    const client = new AbortController();
    const waiting = once(started, 'started');
    fetch(server.url, { signal: client.signal }).catch(() => undefined);
    await waiting;
    const aborted = once(started, 'aborted');
    client.abort();
    expect(String((await aborted)[0])).toMatch(/closed the connection/);
  });

  it('streams a response body it does not hold in memory, all of it', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const { server } = await serve({
      async fetch() {
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent === 80) controller.close();
            else {
              sent++;
              controller.enqueue(chunk);
            }
          },
        });
        return new Response(body, { headers: { 'x-kind': 'stream' } });
      },
    });
    const response = await fetch(server.url);
    expect(response.headers.get('x-kind')).toBe('stream');
    expect((await response.arrayBuffer()).byteLength).toBe(80 * chunk.byteLength);
  });

  it('hands the handler a request with the URL, method, headers and streamed body', async () => {
    let seen: { url: string; method: string; type: string | null; body: string; isRequest: boolean } | undefined;
    const { server } = await serve({
      async fetch(request) {
        seen = {
          url: request.url,
          method: request.method,
          type: request.headers.get('content-type'),
          body: await request.text(),
          isRequest: request instanceof Request,
        };
        return new Response(null, { status: 204 });
      },
    });
    const response = await fetch(`${server.url}/a/b?c=d`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(204);
    expect(seen).toEqual({ url: `${server.url}/a/b?c=d`, method: 'POST', type: 'text/plain', body: 'hello', isRequest: true });
  });

  it('normalizes request targets as a Request would (dot segments, characters to encode)', async () => {
    const urls: string[] = [];
    const { server } = await serve({
      async fetch(request) {
        urls.push(request.url);
        return new Response(null, { status: 204 });
      },
    });
    for (const path of ['/a/./b/../c?x=1', '/a"b{c}', '//other.example/x|y']) {
      const request = httpRequest(`${server.url}/`, { path });
      request.end();
      const [response] = (await once(request, 'response')) as [IncomingMessage];
      response.resume();
      expect(response.statusCode).toBe(204);
    }
    expect(urls).toEqual([`${server.url}/a/c?x=1`, `${server.url}/a%22b%7Bc%7D`, `${server.url}//other.example/x|y`]);
  });

  it('serves a registry built without helpers, as the README shows', async () => {
    const registry = await testRegistry({ driver: 'memory' });
    const { server } = await serve(createRegistry({ storage: registry.storage, tokens: registry.tokens }));
    const list = await fetch(`${server.url}/v1/plugins`);
    expect(await list.json()).toEqual({ total: 0, plugins: [] });
  });
});
