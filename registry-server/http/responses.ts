/**
 * Building the registry's responses. Bodies the registry already holds in
 * memory (documents, blobs, JSON) go through `bytesResponse`, which makes a
 * PreparedResponse: the node:http bridge writes its parts directly instead of
 * streaming a Response body (see `preparedParts`). The read routes answer
 * through `bytesReader`, which answers a body's ready answers (http/ready.ts):
 * its 200, or a 304 to a matching If-None-Match. Also the CORS headers of reads.
 */
import { PreparedResponse, type PreparedParts } from '../../src/core/routes/index.js';
import { bodyAnswers, type AnswersOf } from './ready.js';
import { requestHeader } from './request-header.js';

export type { PreparedParts };

const encoder = new TextEncoder();

/** Headers every GET/HEAD answer carries, so browsers on other origins can load plugins. */
export const CORS_READ_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag, Content-Length',
});

/** A Response with `body` as its bytes (and their `content-length`); its parts stay readable through `preparedParts`. */
export function bytesResponse(status: number, headers: Record<string, string>, body: Uint8Array | null): Response {
  const all = body === null ? { ...headers } : { ...headers, 'content-length': String(body.byteLength) };
  return new PreparedResponse({ status, headers: all, body }) as unknown as Response;
}

/** Like bytesResponse, with `headers` complete and used as they are (shared by many responses: nobody may change them). */
function preparedResponse(status: number, headers: Readonly<Record<string, string>>, body: Uint8Array | null): Response {
  return new PreparedResponse({ status, headers, body }) as unknown as Response;
}

/** Answers a GET of a body the registry holds in memory: a 200, or a 304 when If-None-Match names its ETag. */
export type BytesReader = (request: Request, body: Uint8Array, etag: string) => Response;

/**
 * The reader of one kind of body (documents, blobs, keys envelopes …): every
 * answer carries the CORS headers, `headers` (Cache-Control, Vary …), the
 * ETag and, on a 200, `contentType` and the length. The answers of a body
 * are built on its first request and kept as long as the body lives
 * (http/ready.ts), so a hot GET only compares ETags. One reader per route:
 * two routes serving the same bytes with other headers (`/v1/keys` and
 * `/v1/keys/:version`) keep apart.
 */
export function bytesReader(headers: Readonly<Record<string, string>>, contentType: string): BytesReader {
  return readerOf(bodyAnswers({ ...CORS_READ_HEADERS, ...headers }, contentType));
}

/** The reader answering from `answersOf` (which a route shares with its ready answers, see routes/read.ts). */
export function readerOf(answersOf: AnswersOf): BytesReader {
  return (request, body, etag) => {
    const answers = answersOf(body, etag);
    const answer = matchesIfNoneMatch(requestHeader(request, 'if-none-match'), etag) ? answers.notModified : answers.ok;
    return preparedResponse(answer.status, answer.headers, answer.body);
  };
}

/** A JSON Response. */
export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return bytesResponse(status, { 'content-type': 'application/json; charset=utf-8', ...headers }, encoder.encode(JSON.stringify(value)));
}

/** The parts of a Response made by `bytesResponse`, for writing it without reading its stream. */
export function preparedParts(response: Response): PreparedParts | undefined {
  return response instanceof PreparedResponse ? response.preparedParts : undefined;
}

/** True when an If-None-Match header value names `etag` (weak comparison, as RFC 9110 asks for). */
export function matchesIfNoneMatch(header: string | null | undefined, etag: string): boolean {
  if (header === null || header === undefined || header === '') return false;
  if (header === etag) return true;
  if (header.trim() === '*') return true;
  const bare = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === bare) return true;
  }
  return false;
}
