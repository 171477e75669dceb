/**
 * The read routes, open to anyone: the plugin list and search, a plugin's
 * document (ETag, 304 on If-None-Match, one minute of caching), a blob
 * (immutable, cached for a year) and the health check. Every answer carries
 * the CORS headers that let browsers on other origins read it.
 */
import type { Context } from 'hono';
import type { PluginSummary } from '../../src/core/document.js';
import { HttpError } from '../http/errors.js';
import { requestHeader } from '../http/request-header.js';
import { CORS_READ_HEADERS, jsonResponse, matchesIfNoneMatch, preparedResponse } from '../http/responses.js';
import type { ResolvedOptions } from '../options.js';
import type { DocumentSnapshot } from '../storage/types.js';
import { integerQuery, pluginNameParam } from './params.js';
import { VARY_ACCEPT, envelopeResponse, wantsEnvelope } from './trust.js';

const DOCUMENT_CACHE = 'public, max-age=60';
const LIST_CACHE = 'public, max-age=10';
const BLOB_CACHE = 'public, max-age=31536000, immutable';
const BLOB_HEX = /^[0-9a-f]{64}$/;

/** The headers of a 200 and of a 304 for one body, built once per document or blob and reused. */
interface HeaderPair {
  ok: Readonly<Record<string, string>>;
  notModified: Readonly<Record<string, string>>;
}

const documentHeaders = new WeakMap<DocumentSnapshot, HeaderPair>();
const blobHeaders = new WeakMap<Uint8Array, HeaderPair>();

function headerPair(common: Record<string, string>, contentType: string, length: number): HeaderPair {
  return {
    ok: Object.freeze({ ...common, 'content-type': contentType, 'content-length': String(length) }),
    notModified: Object.freeze(common),
  };
}

/** True when the client asks to bypass caches (`Cache-Control: no-cache`, as a hard reload sends). */
function wantsFresh(request: Request): boolean {
  const header = requestHeader(request, 'cache-control') ?? requestHeader(request, 'pragma');
  return header !== null && /no-cache|max-age=0/i.test(header);
}

/** GET /v1/plugins/:name */
export function getDocument(options: ResolvedOptions) {
  return async (c: Context): Promise<Response> => {
    const name = pluginNameParam(c);
    const request = c.req.raw;
    const snapshot = await options.storage.getDocument(name, { fresh: wantsFresh(request) });
    if (snapshot === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no plugin named ${name} is published here`);
    if (options.signer !== undefined && wantsEnvelope(request)) {
      return envelopeResponse(request, await options.signer.document(name, snapshot), DOCUMENT_CACHE);
    }
    let headers = documentHeaders.get(snapshot);
    if (headers === undefined) {
      const vary = options.signer === undefined ? {} : VARY_ACCEPT;
      const common = { ...CORS_READ_HEADERS, ...vary, etag: snapshot.etag, 'cache-control': DOCUMENT_CACHE };
      headers = headerPair(common, 'application/json; charset=utf-8', snapshot.bytes.byteLength);
      documentHeaders.set(snapshot, headers);
    }
    if (matchesIfNoneMatch(requestHeader(request, 'if-none-match'), snapshot.etag)) return preparedResponse(304, headers.notModified, null);
    return preparedResponse(200, headers.ok, snapshot.bytes);
  };
}

/** GET /v1/blobs/:algorithm/:hex — unknown blobs and malformed addresses alike are 404s. */
export function getBlob(options: ResolvedOptions) {
  return async (c: Context): Promise<Response> => {
    const algorithm = c.req.param('algorithm');
    const hex = c.req.param('hex') ?? '';
    const notFound = () => new HttpError(404, 'E_NOT_FOUND', `no blob ${algorithm}/${hex.slice(0, 80)} is stored here`);
    if (algorithm !== 'sha256' || !BLOB_HEX.test(hex)) throw notFound();
    const bytes = await options.storage.getBlob(algorithm, hex);
    if (bytes === undefined) throw notFound();
    const etag = `"sha256-${hex}"`;
    let headers = blobHeaders.get(bytes);
    if (headers === undefined) {
      const common = { ...CORS_READ_HEADERS, etag, 'cache-control': BLOB_CACHE, 'x-content-type-options': 'nosniff' };
      headers = headerPair(common, 'application/octet-stream', bytes.byteLength);
      blobHeaders.set(bytes, headers);
    }
    if (matchesIfNoneMatch(requestHeader(c.req.raw, 'if-none-match'), etag)) return preparedResponse(304, headers.notModified, null);
    return preparedResponse(200, headers.ok, bytes);
  };
}

/**
 * GET /v1/plugins?q=&limit=&offset= — names and descriptions containing `q`
 * (any case), sorted by name. Asked for an envelope: the signed list of every
 * plugin (the query is ignored).
 */
export function listPlugins(options: ResolvedOptions) {
  return async (c: Context): Promise<Response> => {
    if (options.signer !== undefined && wantsEnvelope(c.req.raw)) {
      return envelopeResponse(c.req.raw, await options.signer.list(await options.storage.listPlugins()), LIST_CACHE);
    }
    const limit = integerQuery(c, 'limit', 20, 1, 250);
    const offset = integerQuery(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const query = (c.req.query('q') ?? '').trim().toLowerCase();
    if (query.length > 200) throw new HttpError(400, 'E_BAD_REQUEST', 'query parameter q must be at most 200 characters');
    const all = await options.storage.listPlugins();
    const matches = query === '' ? all : all.filter((plugin) => matchesQuery(plugin, query));
    const body = { total: matches.length, plugins: matches.slice(offset, offset + limit) };
    const vary = options.signer === undefined ? {} : VARY_ACCEPT;
    return jsonResponse(200, body, { ...CORS_READ_HEADERS, ...vary, 'cache-control': LIST_CACHE });
  };
}

function matchesQuery(plugin: PluginSummary, query: string): boolean {
  return plugin.name.includes(query) || (plugin.description?.toLowerCase().includes(query) ?? false);
}

/** GET /healthz — 200 when storage can be read and written, 503 otherwise. */
export function health(options: ResolvedOptions) {
  return async (): Promise<Response> => {
    try {
      await options.storage.check();
    } catch (error) {
      options.log({ level: 'error', message: `health check failed: ${(error as Error).message}`, error });
      throw new HttpError(503, 'E_UNAVAILABLE', 'storage is not readable and writable');
    }
    return jsonResponse(200, { status: 'ok', storage: options.storage.driver }, { ...CORS_READ_HEADERS, 'cache-control': 'no-store' });
  };
}
