/**
 * The registry client against the in-memory registry double (no network):
 * conditional documents, error mapping, retries, size limits, publish, yank
 * and caller aborts. The same client runs over a real socket in
 * test/node/registry-client.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createRegistryClient, type RegistryClientOptions } from '../../../src/core/registry/client.js';
import { CancelledError, isDocumentError, isRegistryError, isSizeLimitError, isUsageError, type RegistryError } from '../../../src/core/errors/index.js';
import { createRegistryDouble, type RegistryDoubleOptions } from './double.js';

const hello = { name: 'hello', version: '1.2.0', description: 'Says hello', source: { mode: 'esm', path: 'index.js' } };
const bundle = 'export function execute() { return "hello"; }';

function setup(client: Partial<RegistryClientOptions> = {}, double: RegistryDoubleOptions = {}) {
  const registry = createRegistryDouble(double);
  const api = createRegistryClient({ url: registry.url, fetch: registry.fetch, retryDelayMs: 1, ...client });
  return { registry, api };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

async function registryError(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await rejection(promise);
  if (!isRegistryError(error)) throw new Error(`expected a RegistryError, got ${String(error)}`);
  return error;
}

/** A body of `count` chunks of `size` bytes that records how many were pulled and whether it was cancelled. */
function countingStream(count: number, size: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === count) return controller.close();
      state.pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(7));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe('URLs', () => {
  it('normalizes the base URL and encodes scoped names', () => {
    const api = createRegistryClient({ url: 'http://registry.test/' });
    expect(api.url).toBe('http://registry.test');
    expect(api.documentUrl('hello')).toBe('http://registry.test/v1/plugins/hello');
    expect(api.documentUrl('@acme/hello')).toBe('http://registry.test/v1/plugins/@acme%2Fhello');
    expect(isUsageError(rejectSync(() => api.documentUrl('')))).toBe(true);
    expect(isUsageError(rejectSync(() => createRegistryClient({ url: 'not a url' })))).toBe(true);
    expect(isUsageError(rejectSync(() => createRegistryClient({ url: 'ftp://registry.test' })))).toBe(true);
  });

  it('resolves dist URLs against the base, keeping a path prefix', () => {
    const api = createRegistryClient({ url: 'https://example.com/registry/' });
    expect(api.url).toBe('https://example.com/registry');
    expect(api.blobUrl({ url: '/v1/blobs/sha256/ab12' })).toBe('https://example.com/registry/v1/blobs/sha256/ab12');
    expect(api.blobUrl({ url: 'v1/blobs/sha256/ab12' })).toBe('https://example.com/registry/v1/blobs/sha256/ab12');
    expect(api.blobUrl({ url: 'https://cdn.example/b/ab12' })).toBe('https://cdn.example/b/ab12');
    expect(isDocumentError(rejectSync(() => api.blobUrl({ url: 'file:///etc/passwd' })))).toBe(true);
  });
});

function rejectSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('getDocument', () => {
  it('answers 200 with the document and its ETag, then 304 on If-None-Match', async () => {
    const { registry, api } = setup();
    await registry.publish(hello, bundle);
    const first = await api.getDocument('hello');
    expect(first.status).toBe(200);
    if (first.status !== 200) return;
    expect(first.url).toBe('http://registry.test/v1/plugins/hello');
    expect(first.document.distTags.latest).toBe('1.2.0');
    expect(first.document.versions['1.2.0']?.dist.size).toBe(new TextEncoder().encode(bundle).byteLength);
    expect(first.etag).toMatch(/^".+"$/);

    const second = await api.getDocument('hello', { etag: first.etag });
    expect(second).toEqual({ status: 304, url: first.url, freshMs: 30_000 });
    expect(registry.requests[1]?.headers.get('if-none-match')).toBe(first.etag);
  });

  it('fetches scoped plugins by their encoded name', async () => {
    const { registry, api } = setup();
    await registry.publish({ ...hello, name: '@acme/hello' }, bundle);
    const answer = await api.getDocument('@acme/hello');
    expect(answer.status === 200 && answer.document.name).toBe('@acme/hello');
    expect(registry.requests[0]?.url).toBe('http://registry.test/v1/plugins/@acme%2Fhello');
  });

  it('turns a 404 into a RegistryError with the server code, without retrying', async () => {
    const { registry, api } = setup();
    const error = await registryError(api.getDocument('hello'));
    expect(error.message).toBe('GET http://registry.test/v1/plugins/hello failed: 404 Not Found (not_found: plugin "hello" is not published)');
    expect(error).toMatchObject({ method: 'GET', status: 404, serverCode: 'not_found', unreachable: false, plugin: 'hello' });
    expect(registry.requests).toHaveLength(1);
  });

  it('retries a 500 and succeeds', async () => {
    const { registry, api } = setup();
    await registry.publish(hello, bundle);
    let failures = 2;
    registry.intercept(() => (failures-- > 0 ? new Response('oops', { status: 500 }) : undefined));
    const answer = await api.getDocument('hello');
    expect(answer.status).toBe(200);
    expect(registry.requests).toHaveLength(3);
  });

  it('gives up after `retry` retries, naming the status', async () => {
    const { registry, api } = setup({ retry: 1 });
    registry.intercept(() => new Response('<html>bad gateway</html>', { status: 502 }));
    const error = await registryError(api.getDocument('hello'));
    expect(error.message).toBe('GET http://registry.test/v1/plugins/hello failed: 502 Bad Gateway');
    expect(error.status).toBe(502);
    expect(error.serverCode).toBeUndefined();
    expect(registry.requests).toHaveLength(2);
  });

  it("waits what a 503's or 429's Retry-After asks instead of the backoff before it asks again", async () => {
    // A backoff of a minute: a retry that waited for it would outlast the test.
    const { registry, api } = setup({ retryDelayMs: 60_000 });
    await registry.publish(hello, bundle);
    const answers = [
      new Response('busy', { status: 503, headers: { 'retry-after': '0' } }),
      new Response('slow down', { status: 429, headers: { 'retry-after': new Date(Date.now() - 1000).toUTCString() } }),
    ];
    registry.intercept(() => answers.shift());
    const answer = await api.getDocument('hello');
    expect(answer.status).toBe(200);
    expect(registry.requests).toHaveLength(3);
  });

  it("ends a GET's wait before a retry at once when the caller aborts, with the caller's reason", async () => {
    const { registry, api } = setup({ retryDelayMs: 60_000 });
    const controller = new AbortController();
    registry.intercept(() => {
      queueMicrotask(() => controller.abort(new Error('navigated away')));
      return new Response('oops', { status: 500 });
    });
    const error = await rejection(api.getDocument('hello', { signal: controller.signal }));
    expect((error as Error).message).toBe('navigated away');
    expect(registry.requests).toHaveLength(1);
  });

  it('reports an unreachable registry after retrying network errors', async () => {
    let calls = 0;
    const api = createRegistryClient({
      url: 'http://registry.test',
      retryDelayMs: 1,
      fetch: async () => {
        calls += 1;
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
      },
    });
    const error = await registryError(api.getDocument('hello'));
    expect(error.message).toBe('GET http://registry.test/v1/plugins/hello failed: registry unreachable (fetch failed: connect ECONNREFUSED 127.0.0.1:9)');
    expect(error.unreachable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(calls).toBe(3);
  });

  it('refuses a document of the wrong shape, of another plugin, or not JSON', async () => {
    const { registry, api } = setup();
    registry.setDocument('hello', { name: 'hello' });
    expect(isDocumentError(await rejection(api.getDocument('hello')))).toBe(true);

    await registry.publish({ ...hello, name: 'evil' }, bundle);
    const evil = await api.getDocument('evil');
    registry.setDocument('hello', evil.status === 200 ? evil.document : undefined);
    const other = await rejection(api.getDocument('hello'));
    expect(isDocumentError(other) && other.message).toContain('registry answered with the document of "evil"');

    registry.intercept(() => new Response('{"name":', { headers: { 'content-type': 'application/json' } }));
    expect(isDocumentError(await rejection(api.getDocument('hello')))).toBe(true);
  });

  it('limits the size of a document', async () => {
    const { registry, api } = setup({ maxDocumentBytes: 100 });
    await registry.publish(hello, bundle);
    expect(isSizeLimitError(await rejection(api.getDocument('hello')))).toBe(true);
  });

  it('times out a registry that does not answer', async () => {
    const { registry, api } = setup({ timeoutMs: 20 });
    registry.intercept(() => new Promise<undefined>(() => {}));
    const error = await registryError(api.getDocument('hello'));
    expect(error.message).toBe('GET http://registry.test/v1/plugins/hello failed: timed out after 20 ms');
    expect(error.unreachable).toBe(true);
  });

  it('leaves no listener on a long-lived caller signal once its calls are done (a host passes its lifetime signal to every call)', async () => {
    const { registry, api } = setup();
    await registry.publish(hello, bundle);
    const lifetime = new AbortController().signal;
    let listening = 0;
    const add = lifetime.addEventListener.bind(lifetime);
    const remove = lifetime.removeEventListener.bind(lifetime);
    lifetime.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
      listening++;
      add(...args);
    };
    lifetime.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
      listening--;
      remove(...args);
    };
    for (let i = 0; i < 20; i++) await api.getDocument('hello', { signal: lifetime });
    await rejection(api.getDocument('missing', { signal: lifetime }));
    expect(listening).toBe(0);
  });

  it('caps a timeoutMs above the 2^31 - 1 ms a timer holds, instead of timing out after 1 ms', async () => {
    const { registry, api } = setup({ timeoutMs: 3_000_000_000 });
    await registry.publish(hello, bundle);
    registry.intercept(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return undefined;
    });
    const answer = await api.getDocument('hello');
    expect(answer.status === 200 && answer.document.name).toBe('hello');
  });

  it('rejects with the caller’s reason when the caller aborts', async () => {
    const { registry, api } = setup();
    registry.intercept(() => new Promise<undefined>(() => {}));
    const controller = new AbortController();
    const reason = new CancelledError('hello: cancelled');
    const pending = api.getDocument('hello', { signal: controller.signal });
    await Promise.resolve();
    controller.abort(reason);
    expect(await rejection(pending)).toBe(reason);

    const before = registry.requests.length;
    expect(await rejection(api.getDocument('hello', { signal: controller.signal }))).toBe(reason);
    expect(registry.requests).toHaveLength(before);
  });
});

describe('list', () => {
  it('sends q, limit and offset and parses the answer', async () => {
    const { registry, api } = setup();
    await registry.publish(hello, bundle);
    await registry.publish({ ...hello, name: 'help', description: 'Helps' }, bundle);
    await registry.publish({ ...hello, name: 'other', description: 'Other' }, bundle);
    const page = await api.list({ q: 'hel', limit: 1, offset: 1 });
    expect(page.total).toBe(2);
    expect(page.plugins.map((p) => p.name)).toEqual(['help']);
    expect(registry.requests[0]?.url).toBe('http://registry.test/v1/plugins?q=hel&limit=1&offset=1');

    registry.intercept(() => Response.json({ plugins: 'none' }));
    expect(isDocumentError(await rejection(api.list()))).toBe(true);
  });
});

describe('list of a signed list in pages', () => {
  /** An envelope of a list page (signatures are the caller's `verify` to check; none here). */
  function page(payload: Record<string, unknown>): Response {
    const body = { type: 'list', registry: 'plughub:test', expires: '2999-01-01T00:00:00.000Z', ...payload };
    return Response.json({ payloadType: 'application/vnd.plughub.plugin-list+json', payload: JSON.stringify(body), signatures: [] });
  }
  const row = (name: string) => ({ name, modified: '2024-01-01T00:00:00.000Z' });

  /** A client whose registry answers GET /v1/plugins and /v1/list/<n> with `answer(n)` (page 0 for /v1/plugins). */
  function pagedClient(answer: (page: number, reads: number) => Response) {
    const reads: string[] = [];
    const api = createRegistryClient({
      url: 'http://registry.test',
      signed: true,
      retry: 0,
      fetch: async (input) => {
        const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
        reads.push(path);
        const pageNumber = path === '/v1/plugins' ? 0 : Number(path.slice('/v1/list/'.length));
        return answer(pageNumber, reads.length);
      },
    });
    return { api, reads };
  }

  it('follows the pages, hands each envelope to verify, and joins their rows', async () => {
    const names = [['a', 'b'], ['c'], ['d', 'e']];
    const { api, reads } = pagedClient((n) => page({ version: 7, page: n, pages: 3, plugins: names[n]!.map(row) }));
    const verified: string[] = [];
    const result = await api.list({ q: '', verify: async (envelope, url) => void verified.push(`${url} ${envelope === undefined ? 'unsigned' : 'signed'}`) });
    expect(result.plugins.map((p) => p.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(result.total).toBe(5);
    expect(result.envelopes).toHaveLength(3);
    expect(reads).toEqual(['/v1/plugins', '/v1/list/1', '/v1/list/2']);
    expect(verified).toEqual(['http://registry.test/v1/plugins?q= signed', 'http://registry.test/v1/list/1 signed', 'http://registry.test/v1/list/2 signed']);
  });

  it('reads again from page 0 when a page is of another version, and gives up on a list that keeps changing', async () => {
    const settled = pagedClient((n, count) => page({ version: count < 2 ? 1 : 2, page: n, pages: 2, plugins: [row(`p${n}`)] }));
    expect((await settled.api.list()).plugins.map((p) => p.name)).toEqual(['p0', 'p1']);
    expect(settled.reads).toEqual(['/v1/plugins', '/v1/list/1', '/v1/plugins', '/v1/list/1']);

    const churning = pagedClient((n, count) => page({ version: count, page: n, pages: 2, plugins: [row(`p${n}`)] }));
    const error = await rejection(churning.api.list());
    expect(isDocumentError(error) && error.message).toMatch(/changed while it was read, 3 times/);
    expect(churning.reads).toHaveLength(6);
  });

  it('refuses a page count past the bound, a wrong page, an unsigned page, and stops at the first refusal', async () => {
    const huge = pagedClient(() => page({ version: 1, page: 0, pages: 1_000_000, plugins: [] }));
    expect(isDocumentError(await rejection(huge.api.list()))).toBe(true);
    expect(huge.reads).toEqual(['/v1/plugins']);

    const wrong = pagedClient(() => page({ version: 1, page: 0, pages: 2, plugins: [row('a')] }));
    expect(await rejection(wrong.api.list())).toMatchObject({ message: expect.stringMatching(/list\/1 answered with page 0/) });

    const unsigned = pagedClient((n) => (n === 0 ? page({ version: 1, page: 0, pages: 2, plugins: [] }) : Response.json({ total: 0, plugins: [] })));
    expect(await rejection(unsigned.api.list())).toMatchObject({ message: expect.stringMatching(/page 1 .* is not signed/) });
  });

  it('refuses a page 0 that comes back unsigned when the list is read again', async () => {
    const flipping = pagedClient((n, count) =>
      count >= 3 ? Response.json({ total: 0, plugins: [], pages: 2 }) : page({ version: count, page: n, pages: 2, plugins: [row(`p${n}`)] }),
    );
    const error = await rejection(flipping.api.list());
    expect(isDocumentError(error) && error.message).toMatch(/page 0 of the signed plugin list \(.*\) came back unsigned when it was read again/);
  });
});

describe('download', () => {
  it('downloads a blob and reports progress', async () => {
    const { registry, api } = setup();
    const entry = await registry.publish(hello, bundle);
    const progress: [number, number | undefined][] = [];
    const bytes = await api.download(entry.dist, { onProgress: (received, total) => progress.push([received, total]) });
    expect(new TextDecoder().decode(bytes)).toBe(bundle);
    expect(progress.at(-1)).toEqual([entry.dist.size, entry.dist.size]);
  });

  it('aborts mid-stream once the body passes the limit', async () => {
    const { registry, api } = setup();
    const { stream, state } = countingStream(100, 1024);
    registry.intercept(() => new Response(stream));
    const error = await rejection(api.download({ url: '/v1/blobs/sha256/ab12', size: 4096 }, { plugin: 'hello', version: '1.2.0' }));
    expect(isSizeLimitError(error)).toBe(true);
    if (!isSizeLimitError(error)) return;
    expect(error.limit).toBe(4096);
    expect(error.message).toBe('hello@1.2.0: GET http://registry.test/v1/blobs/sha256/ab12: body exceeds the limit of 4096 bytes (aborted after 5120 bytes)');
    expect(error).toMatchObject({ plugin: 'hello', version: '1.2.0', url: 'http://registry.test/v1/blobs/sha256/ab12' });
    expect(state.pulled).toBeLessThan(10);
    expect(state.cancelled).toBe(true);
  });

  it('refuses a Content-Length over the limit before reading', async () => {
    const { registry, api } = setup();
    const { stream, state } = countingStream(100, 1024);
    registry.intercept(() => new Response(stream, { headers: { 'content-length': String(100 * 1024) } }));
    const error = await rejection(api.download({ url: '/v1/blobs/sha256/ab12' }, { maxBytes: 2048 }));
    expect(isSizeLimitError(error) && error.message).toBe(
      'GET http://registry.test/v1/blobs/sha256/ab12: Content-Length 102400 exceeds the limit of 2048 bytes',
    );
    expect(state.pulled).toBeLessThanOrEqual(1);
  });

  it('rejects with the caller’s reason when aborted mid-stream', async () => {
    const { registry, api } = setup();
    const controller = new AbortController();
    const reason = new CancelledError('stop');
    let sent = 0;
    registry.intercept(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(stream) {
              sent += 1;
              if (sent === 3) controller.abort(reason);
              stream.enqueue(new Uint8Array(16));
            },
          }),
        ),
    );
    expect(await rejection(api.download({ url: '/v1/blobs/sha256/ab12' }, { signal: controller.signal }))).toBe(reason);
  });

  it('sends the token to the registry but not to another origin', async () => {
    const { registry, api } = setup({ token: 'secret' });
    const seen: (string | null)[] = [];
    registry.intercept((request) => {
      seen.push(request.headers.get('authorization'));
      return new Response(new Uint8Array(4));
    });
    await api.download({ url: '/v1/blobs/sha256/ab12' });
    await api.download({ url: 'https://cdn.example/ab12' });
    expect(seen).toEqual(['Bearer secret', null]);
  });
});

describe('publish and yank', () => {
  it('PUTs the package with the token and returns the version entry', async () => {
    const { registry, api } = setup({ token: 'client-token' }, { token: 'publish-token' });
    const body = new TextEncoder().encode(bundle);
    const entry = await api.publish('hello', '1.2.0', body, { token: 'publish-token' });
    expect(entry.manifest).toMatchObject({ name: 'hello', version: '1.2.0' });
    const request = registry.requests[0];
    expect(request?.method).toBe('PUT');
    expect(request?.url).toBe('http://registry.test/v1/plugins/hello/1.2.0');
    expect(request?.headers.get('content-type')).toBe('application/gzip');
    expect(registry.uploads[0]?.authorization).toBe('Bearer publish-token');
    expect(registry.uploads[0]?.bytes).toEqual(body);
  });

  it('sends Blob and stream bodies too', async () => {
    const { registry, api } = setup({ token: 't' }, { token: 't' });
    await api.publish('@acme/hello', '1.0.0', new Blob(['blob body']));
    const { stream } = countingStream(3, 8);
    await api.publish('@acme/hello', '1.0.1', stream);
    expect(registry.requests[0]?.url).toBe('http://registry.test/v1/plugins/@acme%2Fhello/1.0.0');
    expect(new TextDecoder().decode(registry.uploads[0]?.bytes)).toBe('blob body');
    expect(registry.uploads[1]?.bytes.byteLength).toBe(24);
  });

  it('maps 401 and 409 with their server codes', async () => {
    const { registry, api } = setup({}, { token: 't' });
    const denied = await registryError(api.publish('hello', '1.2.0', new Uint8Array(1)));
    expect(denied).toMatchObject({ method: 'PUT', status: 401, serverCode: 'unauthorized', plugin: 'hello', version: '1.2.0' });
    await registry.publish(hello, bundle);
    const conflict = await registryError(api.publish('hello', '1.2.0', new Uint8Array(1), { token: 't' }));
    expect(conflict.message).toBe('PUT http://registry.test/v1/plugins/hello/1.2.0 failed: 409 Conflict (version_exists: hello@1.2.0 is already published)');
  });

  it('never retries a PUT', async () => {
    const { registry, api } = setup();
    registry.intercept(() => new Response('busy', { status: 503 }));
    const error = await registryError(api.publish('hello', '1.2.0', new Uint8Array(1)));
    expect(error.status).toBe(503);
    expect(registry.requests).toHaveLength(1);
  });

  it('yanks with POST and unyanks with DELETE', async () => {
    const { registry, api } = setup({ token: 't' }, { token: 't' });
    await registry.publish(hello, bundle);
    await api.yank('hello', '1.2.0');
    let answer = await api.getDocument('hello');
    expect(answer.status === 200 && answer.document.versions['1.2.0']?.yanked).toBe(true);
    await api.yank('hello', '1.2.0', { undo: true });
    answer = await api.getDocument('hello');
    expect(answer.status === 200 && answer.document.versions['1.2.0']?.yanked).toBe(false);
    const calls = registry.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
    expect(calls).toEqual(['POST /v1/plugins/hello/1.2.0/yank', 'GET /v1/plugins/hello', 'DELETE /v1/plugins/hello/1.2.0/yank', 'GET /v1/plugins/hello']);
    const missing = await registryError(api.yank('hello', '9.9.9'));
    expect(missing).toMatchObject({ method: 'POST', status: 404, serverCode: 'not_found' });
  });
});
