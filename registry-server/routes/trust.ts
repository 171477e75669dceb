/**
 * Serving signed envelopes: content negotiation (a request whose Accept names
 * `application/vnd.plughub.envelope+json` gets the envelope, any other the
 * plain JSON as before), the envelope responses with their ETag, and the
 * keys routes `GET /v1/keys` (newest) and `GET /v1/keys/:version`.
 */
import type { Context } from 'hono';
import { ENVELOPE_MEDIA_TYPE } from '../../src/core/trust/envelope.js';
import { HttpError } from '../http/errors.js';
import { requestHeader } from '../http/request-header.js';
import { CORS_READ_HEADERS, matchesIfNoneMatch, preparedResponse } from '../http/responses.js';
import type { ResolvedOptions } from '../options.js';
import type { SignedAnswer } from '../trust/signer.js';

/** The Content-Type of an envelope answer. */
export const ENVELOPE_CONTENT_TYPE = `${ENVELOPE_MEDIA_TYPE}; charset=utf-8`;

/** Added to every answer that depends on Accept, so caches keep the two forms apart. */
export const VARY_ACCEPT: Readonly<Record<string, string>> = Object.freeze({ vary: 'Accept' });

const KEYS_CACHE = 'public, max-age=60';
const KEYS_VERSION_CACHE = 'public, max-age=31536000, immutable';

const headerCache = new WeakMap<SignedAnswer, { ok: Record<string, string>; notModified: Record<string, string> }>();

/** True when the request asks for signed envelopes. */
export function wantsEnvelope(request: Request): boolean {
  const accept = requestHeader(request, 'accept');
  return accept !== null && accept.toLowerCase().includes(ENVELOPE_MEDIA_TYPE);
}

/** A 200 (or 304 on a matching If-None-Match) with a signed envelope; headers built once per answer. */
export function envelopeResponse(request: Request, answer: SignedAnswer, cacheControl: string): Response {
  let headers = headerCache.get(answer);
  if (headers === undefined) {
    const common = Object.freeze({ ...CORS_READ_HEADERS, ...VARY_ACCEPT, etag: answer.etag, 'cache-control': cacheControl });
    headers = {
      ok: Object.freeze({ ...common, 'content-type': ENVELOPE_CONTENT_TYPE, 'content-length': String(answer.bytes.byteLength) }),
      notModified: common,
    };
    headerCache.set(answer, headers);
  }
  if (matchesIfNoneMatch(requestHeader(request, 'if-none-match'), answer.etag)) return preparedResponse(304, headers.notModified, null);
  return preparedResponse(200, headers.ok, answer.bytes);
}

function signerOf(options: ResolvedOptions) {
  if (options.signer === undefined) throw new HttpError(404, 'E_NOT_FOUND', 'this registry does not sign its metadata (no keys)');
  return options.signer;
}

/** GET /v1/keys — the newest keys envelope. */
export function getKeys(options: ResolvedOptions) {
  return async (c: Context): Promise<Response> => {
    const answer = await signerOf(options).keys();
    if (answer === undefined) throw new HttpError(404, 'E_NOT_FOUND', 'this registry has no keys document');
    return envelopeResponse(c.req.raw, answer, KEYS_CACHE);
  };
}

/** GET /v1/keys/:version — one keys envelope (immutable once published). */
export function getKeysVersion(options: ResolvedOptions) {
  return async (c: Context): Promise<Response> => {
    const text = c.req.param('version') ?? '';
    const version = /^[1-9]\d{0,8}$/.test(text) ? Number(text) : Number.NaN;
    const answer = Number.isNaN(version) ? undefined : await signerOf(options).keys(version);
    if (answer === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no keys version ${text.slice(0, 40)} is published here`);
    return envelopeResponse(c.req.raw, answer, KEYS_VERSION_CACHE);
  };
}
