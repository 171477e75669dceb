/**
 * The registry's two hot reads found without the router: a GET or HEAD of
 * `/v1/plugins/<name>` or `/v1/blobs/sha256/<hex>` whose path needs no
 * decoding (no `%`) and carries no query. Two ways in:
 *
 * - `answerHotRead` (fetch): straight to the route's measured answer — the
 *   one hono's route calls too, so the response, its metrics and its
 *   download count are the same either way. A HEAD answer keeps the GET's
 *   headers (Content-Length included) and drops the body, as hono does.
 * - `readyReads` (ANSWER_AT_ONCE, for a server that writes ready answers
 *   itself): when the storage holds the document or blob in memory and may
 *   serve it without a look at the store (`peekDocument`, `peekBlob`), its
 *   ready answer (http/ready.ts, shared with the route's reader) at once —
 *   no Request, no Response, no promise. It is measured and counted as the
 *   route's answer is. Anything else, a 404 or a hard reload (Cache-Control:
 *   no-cache) included, and an envelope asked of a signing registry, is
 *   left to fetch.
 *
 * Anything else (scoped names, which arrive percent-encoded, a query,
 * another method, a malformed digest) takes the router, as before.
 */
import { withoutBody } from '../../src/core/routes/index.js';
import type { RouteMetrics } from '../metrics.js';
import type { RegistryStorage } from '../storage/types.js';
import type { MeasuredAnswer } from './instrument.js';
import { headerValue, type AnswerAtOnce, type AnswersOf, type BodyAnswers, type HeaderRecord, type ReadyAnswer } from './ready.js';
import { matchesIfNoneMatch } from './responses.js';

const DOCUMENT_PREFIX = '/v1/plugins/';
const BLOB_PREFIX = '/v1/blobs/sha256/';
const BLOB_HEX = /^[0-9a-f]{64}$/;
/** Characters that make a path segment something only the router may read: a separator, query, fragment or escape. */
const NOT_PLAIN = /[/?#%]/;

/** The measured answers of the hot routes. */
export interface HotReads {
  /** GET /v1/plugins/:name */
  document: MeasuredAnswer;
  /** GET /v1/blobs/:algorithm/:hex */
  blob: MeasuredAnswer;
}

/** The answer to `request` when it is a hot read; undefined when the router must take it. */
export function answerHotRead(request: Request, reads: HotReads): Promise<Response> | undefined {
  const method = request.method;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const { url } = request;
  const path = url.indexOf('/', url.indexOf('://') + 3);
  if (path < 0) return undefined;
  let answer: Promise<Response> | undefined;
  if (url.startsWith(DOCUMENT_PREFIX, path)) {
    const name = url.slice(path + DOCUMENT_PREFIX.length);
    if (name !== '' && !NOT_PLAIN.test(name)) answer = reads.document(request, name, '');
  } else if (url.startsWith(BLOB_PREFIX, path)) {
    const hex = url.slice(path + BLOB_PREFIX.length);
    if (BLOB_HEX.test(hex)) answer = reads.blob(request, 'sha256', hex);
  }
  return answer !== undefined && method === 'HEAD' ? answer.then(withoutBody) : answer;
}

/** What readyReads answers from: the storage, the routes' ready answers and series, and how the request is judged. */
export interface ReadySources {
  storage: RegistryStorage;
  documents: AnswersOf;
  blobs: AnswersOf;
  documentMetrics: RouteMetrics;
  blobMetrics: RouteMetrics;
  /** True when the document route would not answer from the cache (see routes/read.ts asksFresh). */
  asksFresh(cacheControl: string | null, pragma: string | null): boolean;
  /** True when the document route would answer an envelope (a signing registry asked for one). */
  asksEnvelope(accept: string | null): boolean;
  /** Told of every blob answered 200 to a GET: a download. */
  served(hex: string): void;
  /** The ETag of a blob. */
  blobEtag(hex: string): string;
}

/** The AnswerAtOnce of the hot reads (see the module comment). */
export function readyReads(sources: ReadySources): AnswerAtOnce {
  const { storage } = sources;
  const peekDocument = storage.peekDocument?.bind(storage);
  const peekBlob = storage.peekBlob?.bind(storage);
  return (method, target, headers) => {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const started = performance.now();
    if (target.startsWith(DOCUMENT_PREFIX)) {
      if (peekDocument === undefined) return undefined;
      const name = target.slice(DOCUMENT_PREFIX.length);
      if (name === '' || NOT_PLAIN.test(name)) return undefined;
      if (sources.asksFresh(headerValue(headers, 'cache-control'), headerValue(headers, 'pragma'))) return undefined;
      if (sources.asksEnvelope(headerValue(headers, 'accept'))) return undefined;
      // Only a stored document is held, under a name a publish checked: an unknown or invalid name is fetch's to refuse.
      const snapshot = peekDocument(name);
      if (snapshot === undefined) return undefined;
      return measured(sources.documentMetrics, method, started, pick(sources.documents(snapshot.bytes, snapshot.etag), method, headers, snapshot.etag));
    }
    if (target.startsWith(BLOB_PREFIX)) {
      if (peekBlob === undefined) return undefined;
      const hex = target.slice(BLOB_PREFIX.length);
      if (!BLOB_HEX.test(hex)) return undefined;
      const bytes = peekBlob('sha256', hex);
      if (bytes === undefined) return undefined;
      const etag = sources.blobEtag(hex);
      const answer = pick(sources.blobs(bytes, etag), method, headers, etag);
      if (answer.body !== null) sources.served(hex);
      return measured(sources.blobMetrics, method, started, answer);
    }
    return undefined;
  };
}

/** The 304 when If-None-Match names the ETag, else the 200 (without its body for a HEAD). */
function pick(answers: BodyAnswers, method: string, headers: HeaderRecord, etag: string): ReadyAnswer {
  if (matchesIfNoneMatch(headerValue(headers, 'if-none-match'), etag)) return answers.notModified;
  return method === 'HEAD' ? answers.head : answers.ok;
}

function measured(metrics: RouteMetrics, method: string, started: number, answer: ReadyAnswer): ReadyAnswer {
  metrics.record(method, answer.status, (performance.now() - started) / 1000, answer.body?.byteLength ?? 0);
  return answer;
}
