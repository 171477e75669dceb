/**
 * The registry's two hot reads found without the router: a GET or HEAD of
 * `/v1/plugins/<name>` or `/v1/blobs/sha256/<hex>` whose path needs no
 * decoding (no `%`) and carries no query goes straight to the route's
 * measured answer — the one hono's route calls too, so the response, its
 * metrics and its download count are the same either way. Anything else
 * (scoped names, which arrive percent-encoded, a query, another method, a
 * malformed digest) takes the router, as before. A HEAD answer keeps the
 * GET's headers (Content-Length included) and drops the body, as hono does.
 */
import { withoutBody } from '../../src/core/routes/index.js';
import type { MeasuredAnswer } from './instrument.js';

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
