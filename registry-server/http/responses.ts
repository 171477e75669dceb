/**
 * Building the registry's responses. Bodies the registry already holds in
 * memory (documents, blobs, JSON) go through `bytesResponse`, which makes a
 * PreparedResponse: the node:http bridge writes its parts directly instead of
 * streaming a Response body (see `preparedParts`). Also ETag matching and the
 * CORS headers of reads.
 */
import { PreparedResponse, type PreparedParts } from './prepared-response.js';

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

/**
 * Like bytesResponse, for hot paths: `headers` must be complete (with
 * `content-length` when there is a body) and is used as it is, so callers can
 * build it once and reuse it for many responses; nobody may change it.
 */
export function preparedResponse(status: number, headers: Readonly<Record<string, string>>, body: Uint8Array | null): Response {
  return new PreparedResponse({ status, headers: headers as Record<string, string>, body }) as unknown as Response;
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
  if (header.trim() === '*') return true;
  const bare = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === bare) return true;
  }
  return false;
}
