/**
 * Fuzz property of the registry client (src/core/registry/client.ts and
 * src/core/registry/transport.ts), the host's reader of every registry answer: with a
 * `fetch` that answers anything — any status, Content-Type, Content-Length,
 * ETag and Location, and a body that is a near-valid document, envelope,
 * list, list page or version entry, an error body, hostile JSON, raw bytes, too many
 * bytes, a body that breaks off or one that stalls — each call
 * (getDocument, list, keys, download, publish, yank) resolves or rejects
 * with a PlughubError within the time limit of a case. A case answers its
 * requests in turn, so a signed list read page by page meets pages that
 * disagree, go unsigned or announce absurd page counts.
 *
 * Runs a bounded number of cases; set PLUGHUB_FUZZ_RUNS=10000 for more, and
 * PLUGHUB_FUZZ_SEED / PLUGHUB_FUZZ_PATH to replay a failure fast-check printed.
 */
import * as fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { DOCUMENT_NAME, documentArb, documentOf, listArb, listOf } from './document-arbitraries.js';
import { documentEnvelope, documentEnvelopeArb, makeKeys, type TestKeys } from './envelope-arbitraries.js';
import { hostileArb, jsonText, materialize, type Hostile } from './hostile-json.js';
import { acceptOrRefuse, fuzzParameters, fuzzTimeout } from './support.js';

const BASE = 'https://registry.test';
const encoder = new TextEncoder();

type Body =
  | { document: Parameters<typeof documentOf>[0] }
  | { envelope: Parameters<typeof documentEnvelope>[0] }
  | { list: Parameters<typeof listOf>[0] }
  | { listPage: ListPage }
  | { entry: { yanked: boolean; version: string } }
  | { error: Hostile }
  | { hostile: Hostile }
  | { bytes: Uint8Array }
  | { tooMany: number }
  | { breaks: number }
  | { stalls: true };

/** One page of a paged plugin list (src/core/registry/list.ts), in an envelope or not. */
interface ListPage {
  enveloped: boolean;
  page: number | Hostile;
  pages: number | Hostile;
  version: number;
  rows: Parameters<typeof listOf>[0];
}

const listPageArb: fc.Arbitrary<ListPage> = fc.record({
  enveloped: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  page: fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: hostileArb }),
  pages: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1024, 1025, 2 ** 53, -1) },
    { weight: 1, arbitrary: hostileArb },
  ),
  version: fc.nat({ max: 2 }),
  rows: listArb,
});

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 2, arbitrary: listPageArb.map((listPage) => ({ listPage })) },
  { weight: 3, arbitrary: documentArb.map((document) => ({ document })) },
  { weight: 2, arbitrary: documentEnvelopeArb.map((envelope) => ({ envelope })) },
  { weight: 1, arbitrary: listArb.map((list) => ({ list })) },
  { weight: 2, arbitrary: fc.record({ entry: fc.record({ yanked: fc.boolean(), version: fc.constantFrom('1.0.0', '1.0.1') }) }) },
  { weight: 1, arbitrary: hostileArb.map((error) => ({ error })) },
  { weight: 2, arbitrary: hostileArb.map((hostile) => ({ hostile })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 64 * 1024, max: 256 * 1024 }).map((tooMany) => ({ tooMany })) },
  { weight: 1, arbitrary: fc.nat({ max: 2048 }).map((breaks) => ({ breaks })) },
  { weight: 1, arbitrary: fc.constant({ stalls: true as const }) },
);

const answerArb = fc.record({
  status: fc.oneof(
    { weight: 6, arbitrary: fc.constant(200) },
    { weight: 6, arbitrary: fc.constantFrom(201, 304, 404, 400, 401, 409, 413, 422, 500, 503) },
    { weight: 1, arbitrary: fc.constantFrom(204, 206, 301, 302, 303, 307, 308, 429) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
  ),
  contentType: fc.constantFrom('application/json', 'application/vnd.plughub.envelope+json', 'text/html', undefined),
  contentLength: fc.constantFrom('right', 'none', 'huge', 'small', 'garbage'),
  etag: fc.option(fc.oneof(fc.constant('"abc"'), fc.string({ unit: 'binary-ascii', maxLength: 12 })), { nil: undefined }),
  location: fc.option(fc.constantFrom('https://elsewhere.test/x', '/v1/other', '::not a url', ''), { nil: undefined }),
  body: bodyArb,
});

const callArb = fc.constantFrom('getDocument', 'getDocument-etag', 'list', 'keys', 'download', 'publish', 'yank', 'unyank');

let keys: TestKeys;

beforeAll(async () => {
  keys = await makeKeys();
});

/** The bytes of a body recipe, or how the stream misbehaves. */
async function bodyBytes(body: Body): Promise<Uint8Array | { breaks: Uint8Array } | 'stalls'> {
  if ('stalls' in body) return 'stalls';
  if ('breaks' in body) return { breaks: new Uint8Array(body.breaks).fill(0x7b) };
  if ('tooMany' in body) return new Uint8Array(body.tooMany).fill(0x20);
  if ('bytes' in body) return body.bytes;
  let value: unknown;
  if ('document' in body) value = documentOf(body.document);
  else if ('envelope' in body) value = await documentEnvelope(body.envelope, keys);
  else if ('list' in body) value = listOf(body.list);
  else if ('listPage' in body) {
    const { page, pages, version, rows, enveloped } = body.listPage;
    const payload = {
      type: 'list',
      registry: 'plughub:fuzz',
      version,
      expires: '2030-01-01T00:00:00.000Z',
      page: typeof page === 'number' ? page : materialize(page),
      pages: typeof pages === 'number' ? pages : materialize(pages),
      plugins: listOf(rows).plugins,
    };
    value = enveloped ? { payloadType: 'application/vnd.plughub.plugin-list+json', payload: jsonText(payload), signatures: [] } : payload;
  } else if ('entry' in body) {
    value = {
      manifest: { name: DOCUMENT_NAME, version: body.entry.version, source: { mode: 'esm', path: 'dist/index.js' } },
      dist: { integrity: 'sha256-AAAA', size: 10, url: '/v1/blobs/sha256/00' },
      publishedAt: '2024-01-01T00:00:00.000Z',
      yanked: body.entry.yanked,
    };
  } else if ('error' in body) value = { error: materialize(body.error) };
  else value = materialize(body.hostile);
  return encoder.encode(jsonText(value));
}

/** A body stream that errors when the request's signal aborts, as a real fetch's does. */
function bodyStream(bytes: Uint8Array | { breaks: Uint8Array } | 'stalls', signal: AbortSignal): ReadableStream<Uint8Array> {
  let sent = false;
  let control: ReadableStreamDefaultController<Uint8Array> | undefined;
  signal.addEventListener(
    'abort',
    () => {
      try {
        control?.error(signal.reason);
      } catch {
        // The stream already ended.
      }
    },
    { once: true },
  );
  return new ReadableStream<Uint8Array>({
    start(controller) {
      control = controller;
    },
    pull(controller) {
      if (bytes === 'stalls') return new Promise<void>(() => undefined);
      if (!sent) {
        sent = true;
        const first = bytes instanceof Uint8Array ? bytes : bytes.breaks;
        if (first.byteLength > 0) controller.enqueue(first);
        return;
      }
      if (bytes instanceof Uint8Array) controller.close();
      else controller.error(new TypeError('terminated: other side closed'));
      return;
    },
  });
}

describe('fuzz: registry client', () => {
  const RUNS = 200;

  it('resolves or rejects with a PlughubError whatever the registry answers', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(answerArb, { minLength: 1, maxLength: 4 }), callArb, fc.boolean(), async (answers, call, signed) => {
        // The n-th request gets the n-th answer (the last one again after that): a list read page by page meets changes.
        const bodies = await Promise.all(answers.map((answer) => bodyBytes(answer.body)));
        let requests = 0;
        const fetch = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
          const index = Math.min(requests++, answers.length - 1);
          const answer = answers[index]!;
          const bytes = bodies[index]!;
          const signal = input instanceof Request ? input.signal : (init?.signal ?? new AbortController().signal);
          const nullBody = [204, 205, 304].includes(answer.status);
          const headers = new Headers();
          if (answer.contentType !== undefined) headers.set('content-type', answer.contentType);
          if (answer.etag !== undefined) headers.set('etag', answer.etag);
          if (answer.location !== undefined) headers.set('location', answer.location);
          const length = bytes instanceof Uint8Array ? bytes.byteLength : 100;
          const declared = { right: String(length), none: undefined, huge: String(1024 ** 4), small: '1', garbage: 'x1' }[answer.contentLength];
          if (declared !== undefined) headers.set('content-length', declared);
          return new Response(nullBody ? null : bodyStream(bytes, signal), { status: answer.status, headers });
        };
        const client = createRegistryClient({ url: BASE, fetch, retry: 0, timeoutMs: 250, maxDocumentBytes: 64 * 1024, signed, token: 'ph_fuzz' });
        const dist = { url: '/v1/blobs/sha256/00', size: 512 };
        const package_ = new Uint8Array([0x1f, 0x8b]);
        await acceptOrRefuse(() => {
          switch (call) {
            case 'getDocument':
              return client.getDocument(DOCUMENT_NAME);
            case 'getDocument-etag':
              return client.getDocument(DOCUMENT_NAME, { etag: '"abc"' });
            case 'list':
              return client.list({ limit: 10 });
            case 'keys':
              return client.keys();
            case 'download':
              return client.download(dist, { plugin: DOCUMENT_NAME, version: '1.0.0' });
            case 'publish':
              return client.publish(DOCUMENT_NAME, '1.0.0', package_);
            case 'yank':
              return client.yank(DOCUMENT_NAME, '1.0.0');
            default:
              return client.yank(DOCUMENT_NAME, '1.0.0', { undo: true });
          }
        });
      }),
      fuzzParameters(RUNS),
    );
  });

  it('list() reads any sequence of list pages, or refuses it with a PlughubError', { timeout: fuzzTimeout(RUNS) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(listPageArb, { minLength: 1, maxLength: 5 }), async (pages) => {
        const bodies = await Promise.all(pages.map((listPage) => bodyBytes({ listPage })));
        let requests = 0;
        const fetch = async (): Promise<Response> => {
          const bytes = bodies[Math.min(requests++, bodies.length - 1)] as Uint8Array;
          return new Response(new Uint8Array(bytes), { status: 200, headers: { 'content-type': 'application/vnd.plughub.envelope+json' } });
        };
        const client = createRegistryClient({ url: BASE, fetch, retry: 0, timeoutMs: 1000, signed: true });
        await acceptOrRefuse(() => client.list());
      }),
      fuzzParameters(RUNS),
    );
  });
});
