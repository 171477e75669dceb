/**
 * The read routes, open to anyone: the plugin list and search, a plugin's
 * document (ETag, 304 on If-None-Match, one minute of caching), a blob
 * (immutable, cached for a year), a version's README.md, CHANGELOG.md or
 * LICENSE (as text, immutable too) and the health check. Every answer carries
 * the CORS headers that let browsers on other origins read it.
 */
import type { Context } from 'hono';
import { PACKAGE_TEXT_FILES } from '../../src/core/plg/index.js';
import type { PluginDocument, PluginSummary } from '../../src/core/registry/index.js';
import { versionFileHex } from '../documents.js';
import { HttpError } from '../http/errors.js';
import { requestHeader } from '../http/request-header.js';
import { bodyAnswers, type AnswersOf } from '../http/ready.js';
import { CORS_READ_HEADERS, bytesReader, jsonResponse, readerOf } from '../http/responses.js';
import type { ResolvedOptions } from '../options.js';
import { filterByText } from '../search.js';
import { parseDocument } from '../storage/snapshot.js';
import { checkPluginName, integerQuery, pluginNameParam, versionParam } from './params.js';
import { envelopeReader, varyOf, wantsEnvelope } from './trust.js';

const DOCUMENT_CACHE = 'public, max-age=60';
const LIST_CACHE = 'public, max-age=10';
const BLOB_CACHE = 'public, max-age=31536000, immutable';
const BLOB_HEX = /^[0-9a-f]{64}$/;
/**
 * The most a page of GET /v1/plugins carries, in bytes of JSON: a page holds
 * `limit` entries or fewer, so that it stays under this (never fewer than one).
 */
export const MAX_LIST_PAGE_BYTES = 256 * 1024;
const encoder = new TextEncoder();

/** The storage's read options: a hard reload (`Cache-Control: no-cache`) reads past its cache. */
const FRESH = Object.freeze({ fresh: true });
const CACHED = Object.freeze({ fresh: false });

/** True when the client asks to bypass caches (`Cache-Control: no-cache`, as a hard reload sends). */
function wantsFresh(request: Request): boolean {
  return asksFresh(requestHeader(request, 'cache-control'), requestHeader(request, 'pragma'));
}

/** True when a request's Cache-Control (else Pragma) value asks to bypass caches. */
export function asksFresh(cacheControl: string | null, pragma: string | null): boolean {
  const header = cacheControl ?? pragma;
  return header !== null && /no-cache|max-age=0/i.test(header);
}

/** The ready answers of documents as GET /v1/plugins/:name sends them unsigned (see http/ready.ts). */
export function documentBodies(options: ResolvedOptions): AnswersOf {
  return bodyAnswers({ ...CORS_READ_HEADERS, ...varyOf(options), 'cache-control': DOCUMENT_CACHE }, 'application/json; charset=utf-8');
}

/** The ready answers of blobs as GET /v1/blobs/:algorithm/:hex sends them. */
export function blobBodies(): AnswersOf {
  return bodyAnswers({ ...CORS_READ_HEADERS, 'cache-control': BLOB_CACHE, 'x-content-type-options': 'nosniff' }, 'application/octet-stream');
}

/** The ETag of a blob. */
export function blobEtag(hex: string): string {
  return `"sha256-${hex}"`;
}

/**
 * A read route's answer to a request, given its parameters as the path
 * carries them, decoded (`first`: a plugin name or a blob's algorithm;
 * `second`: a blob's hex digest, '' where the route has one parameter).
 * Hono's routes and the registry's own lookup of its hot paths (registry.ts)
 * call the same answer, so both give the same response; so do the answers
 * given at once from memory (http/hot-reads.ts), which share `bodies`.
 */
export type ReadAnswer = (request: Request, first: string, second: string) => Promise<Response>;

/** GET /v1/plugins/:name — `first` is the name. */
export function documentAnswer(options: ResolvedOptions, bodies: AnswersOf = documentBodies(options)): ReadAnswer {
  const plain = readerOf(bodies);
  const signed = envelopeReader(DOCUMENT_CACHE);
  return async (request, name) => {
    checkPluginName(name);
    const snapshot = await options.storage.getDocument(name, wantsFresh(request) ? FRESH : CACHED);
    if (snapshot === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no plugin named ${name} is published here`);
    if (options.signer !== undefined && wantsEnvelope(request)) {
      const answer = await options.signer.document(name, snapshot);
      return signed(request, answer.bytes, answer.etag);
    }
    return plain(request, snapshot.bytes, snapshot.etag);
  };
}

/**
 * GET /v1/blobs/:algorithm/:hex — unknown blobs and malformed addresses alike
 * are 404s. A GET answered 200 (not HEAD, not 304) is a download: `served`
 * hears of its digest.
 */
export function blobAnswer(options: ResolvedOptions, served?: (hex: string) => void, bodies: AnswersOf = blobBodies()): ReadAnswer {
  const reader = readerOf(bodies);
  return async (request, algorithm, hex) => {
    const bytes = algorithm === 'sha256' && BLOB_HEX.test(hex) ? await options.storage.getBlob(algorithm, hex) : undefined;
    if (bytes === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no blob ${algorithm}/${hex.slice(0, 80)} is stored here`);
    const response = reader(request, bytes, blobEtag(hex));
    if (response.status === 200 && request.method === 'GET') served?.(hex);
    return response;
  };
}

/** What a text file route adds: no sniffing, and nothing a browser would run if the file were opened as a page. */
const TEXT_FILE_HEADERS = {
  'cache-control': BLOB_CACHE,
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
};

/**
 * GET /v1/plugins/:name/:version/files/:file — README.md or CHANGELOG.md
 * (text/markdown) or LICENSE (text/plain) as the version's package carried
 * it, UTF-8. A version without that file, an unknown file name, plugin or
 * version are 404s. A document is parsed once per stored snapshot.
 */
export function getVersionFile(options: ResolvedOptions) {
  const readers = new Map(PACKAGE_TEXT_FILES.map((file) => [file.path, bytesReader(TEXT_FILE_HEADERS, file.contentType)]));
  const parsed = new WeakMap<Uint8Array, PluginDocument>();
  return async (c: Context): Promise<Response> => {
    const name = pluginNameParam(c);
    const version = versionParam(c);
    const file = c.req.param('file') ?? '';
    const reader = readers.get(file);
    if (reader === undefined) {
      const known = PACKAGE_TEXT_FILES.map((known) => known.path).join(', ');
      throw new HttpError(404, 'E_NOT_FOUND', `${JSON.stringify(file.slice(0, 80))} is not a file a version keeps (${known})`);
    }
    const snapshot = await options.storage.getDocument(name);
    if (snapshot === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no plugin named ${name} is published here`);
    let document = parsed.get(snapshot.bytes);
    if (document === undefined) {
      document = parseDocument(snapshot.bytes);
      parsed.set(snapshot.bytes, document);
    }
    const hex = versionFileHex(document, version, file);
    const bytes = hex === undefined ? undefined : await options.storage.getBlob('sha256', hex);
    if (hex === undefined || bytes === undefined) throw new HttpError(404, 'E_NOT_FOUND', `${name}@${version} has no ${file} here`);
    return reader(c.req.raw, bytes, `"sha256-${hex}"`);
  };
}

/**
 * GET /v1/plugins?q=&limit=&offset= — names and descriptions containing `q`
 * (any case), sorted by name: at most `limit` of them and at most
 * MAX_LIST_PAGE_BYTES of JSON (clients page on with `offset` + the entries
 * received, until `total`). Asked for an envelope: the first page of the
 * signed list of every plugin (the query is ignored; the other pages are at
 * /v1/list/:page, see trust/list-pages.ts).
 */
export function listPlugins(options: ResolvedOptions) {
  const headers = { ...CORS_READ_HEADERS, ...varyOf(options), 'cache-control': LIST_CACHE };
  const signed = envelopeReader(LIST_CACHE);
  return async (c: Context): Promise<Response> => {
    if (options.signer !== undefined && wantsEnvelope(c.req.raw)) {
      const answer = await options.signer.list(await options.storage.listPlugins());
      return signed(c.req.raw, answer.bytes, answer.etag);
    }
    const limit = integerQuery(c, 'limit', 20, 1, 250);
    const offset = integerQuery(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const query = (c.req.query('q') ?? '').trim().toLowerCase();
    if (query.length > 200) throw new HttpError(400, 'E_BAD_REQUEST', 'query parameter q must be at most 200 characters');
    const all = await options.storage.listPlugins();
    const matches = query === '' ? all : filterByText(all, query);
    const body = { total: matches.length, plugins: pageOf(matches, offset, limit) };
    return jsonResponse(200, body, headers);
  };
}

/** Up to `limit` rows from `offset`, as many as fit in MAX_LIST_PAGE_BYTES with the page's frame (at least one). */
function pageOf(rows: PluginSummary[], offset: number, limit: number): PluginSummary[] {
  const page: PluginSummary[] = [];
  let bytes = 64;
  for (const row of rows.slice(offset, offset + limit)) {
    bytes += encoder.encode(JSON.stringify(row)).byteLength + 1;
    if (bytes > MAX_LIST_PAGE_BYTES && page.length > 0) break;
    page.push(row);
  }
  return page;
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
