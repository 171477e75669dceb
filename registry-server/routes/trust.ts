/**
 * Serving signed envelopes: content negotiation (a request whose Accept names
 * `application/vnd.plughub.envelope+json` gets the envelope, any other the
 * plain JSON as before), the envelope responses with their ETag, the keys
 * routes `GET /v1/keys` (newest) and `GET /v1/keys/:version`, and
 * `GET /v1/list/:page`, the pages of the signed plugin list after the first
 * (which `GET /v1/plugins` answers; see trust/list-pages.ts).
 */
import type { Context } from 'hono';
import { ENVELOPE_MEDIA_TYPE } from '../../src/core/trust/index.js';
import { HttpError } from '../http/errors.js';
import { requestHeader } from '../http/request-header.js';
import { bytesReader, type BytesReader } from '../http/responses.js';
import type { ResolvedOptions } from '../options.js';

const ENVELOPE_CONTENT_TYPE = `${ENVELOPE_MEDIA_TYPE}; charset=utf-8`;
const VARY_ACCEPT: Readonly<Record<string, string>> = Object.freeze({ vary: 'Accept' });
const KEYS_CACHE = 'public, max-age=60';
const KEYS_VERSION_CACHE = 'public, max-age=31536000, immutable';
const LIST_CACHE = 'public, max-age=10';
const PAGE_NUMBER = /^(?:0|[1-9]\d{0,6})$/;

/** `Vary: Accept` when the registry signs (its answers then depend on Accept, and caches must keep the two forms apart). */
export function varyOf(options: ResolvedOptions): Readonly<Record<string, string>> {
  return options.signer === undefined ? {} : VARY_ACCEPT;
}

/** True when the request asks for signed envelopes. */
export function wantsEnvelope(request: Request): boolean {
  return acceptsEnvelope(requestHeader(request, 'accept'));
}

/** True when an Accept header value names signed envelopes. */
export function acceptsEnvelope(accept: string | null): boolean {
  return accept?.toLowerCase().includes(ENVELOPE_MEDIA_TYPE) ?? false;
}

/** The reader of signed envelopes for one route (see bytesReader). */
export function envelopeReader(cacheControl: string): BytesReader {
  return bytesReader({ ...VARY_ACCEPT, 'cache-control': cacheControl }, ENVELOPE_CONTENT_TYPE);
}

function signerOf(options: ResolvedOptions) {
  if (options.signer === undefined) throw new HttpError(404, 'E_NOT_FOUND', 'this registry does not sign its metadata (no keys)');
  return options.signer;
}

/** GET /v1/keys — the newest keys envelope. */
export function getKeys(options: ResolvedOptions) {
  const reader = envelopeReader(KEYS_CACHE);
  return async (c: Context): Promise<Response> => {
    const answer = await signerOf(options).keys();
    if (answer === undefined) throw new HttpError(404, 'E_NOT_FOUND', 'this registry has no keys document');
    return reader(c.req.raw, answer.bytes, answer.etag);
  };
}

/** GET /v1/keys/:version — one keys envelope (immutable once published). */
export function getKeysVersion(options: ResolvedOptions) {
  const reader = envelopeReader(KEYS_VERSION_CACHE);
  return async (c: Context): Promise<Response> => {
    const text = c.req.param('version') ?? '';
    const version = /^[1-9]\d{0,8}$/.test(text) ? Number(text) : Number.NaN;
    const answer = Number.isNaN(version) ? undefined : await signerOf(options).keys(version);
    if (answer === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no keys version ${text.slice(0, 40)} is published here`);
    return reader(c.req.raw, answer.bytes, answer.etag);
  };
}

/** GET /v1/list/:page — page `page` of the signed plugin list (an envelope whatever the Accept header says). */
export function getListPage(options: ResolvedOptions) {
  const reader = envelopeReader(LIST_CACHE);
  return async (c: Context): Promise<Response> => {
    const signer = signerOf(options);
    const text = c.req.param('page') ?? '';
    const answer = PAGE_NUMBER.test(text) ? await signer.listPage(await options.storage.listPlugins(), Number(text)) : undefined;
    if (answer === undefined) throw new HttpError(404, 'E_NOT_FOUND', `the signed plugin list has no page ${text.slice(0, 40)} (pages are numbered from 0)`);
    return reader(c.req.raw, answer.bytes, answer.etag);
  };
}
