/**
 * The registry as a web-standard handler: `createRegistry(options).fetch`
 * takes a Request and resolves to a Response, on any runtime. Routing is
 * hono's; every error becomes JSON `{ error: { code, message } }` with its
 * status (http/error-response.ts). Every route is measured under its pattern
 * (`registry.metrics()`), bundle downloads are counted per version into the
 * storage (download-counter.ts), and the API describes itself at
 * `/v1/openapi.json`.
 */
import { Hono } from 'hono';
import type { MetricsSnapshot } from '../src/core/metrics/index.js';
import { DownloadCounter } from './download-counter.js';
import { errorAnswer } from './http/error-response.js';
import { HttpError } from './http/errors.js';
import { answerHotRead, readyReads, type HotReads } from './http/hot-reads.js';
import { instrument, instrumentAnswer, type AnswerListener, type RouteHandler } from './http/instrument.js';
import { ANSWER_AT_ONCE, type AnswerAtOnce } from './http/ready.js';
import { CORS_READ_HEADERS, bytesResponse } from './http/responses.js';
import { createRegistryMetrics, UNMATCHED_ROUTE } from './metrics.js';
import { REGISTRY_OPENAPI } from './openapi.js';
import { resolveOptions, type RegistryOptions } from './options.js';
import { asksFresh, blobAnswer, blobBodies, blobEtag, documentAnswer, documentBodies, getVersionFile, health, listPlugins } from './routes/read.js';
import { getStats } from './routes/stats.js';
import { acceptsEnvelope, getKeys, getKeysVersion, getListPage } from './routes/trust.js';
import { putVersion, yankVersion } from './routes/write.js';
import { moveDistTag } from './routes/dist-tags.js';
import { mountPages } from './ui/pages.js';
import { PAGES_OPENAPI_PATHS } from './ui/openapi.js';

/** A running registry: a fetch-style handler, its metrics and its routes. */
export interface Registry {
  /** Answers one HTTP request. Never rejects: failures are error responses. */
  fetch(request: Request): Promise<Response>;
  /** The registry's metrics now (requests, latency, bytes, publishes, downloads), as the Node server's `/metrics` exposes them. */
  metrics(): MetricsSnapshot;
  /** Every route, as hono lists them (`{ method, path }` with `:param` patterns). */
  readonly routes: readonly { method: string; path: string }[];
  /**
   * Hands the download counts still held to the storage (the storage itself
   * is the caller's to close, after this). Counts wait at most 250 ms
   * otherwise; a registry dropped without `close()` loses those.
   */
  close(): Promise<void>;
  /** Answers a hot read at once from memory, for a server that writes ready answers itself (see http/hot-reads.ts). */
  readonly [ANSWER_AT_ONCE]: AnswerAtOnce;
}

const PREFLIGHT_HEADERS = {
  ...CORS_READ_HEADERS,
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'If-None-Match, Accept',
  'access-control-max-age': '86400',
};

/**
 * Creates the registry handler.
 * @example
 * const registry = createRegistry({ storage: createFsStorage('./data'), tokens: createFileTokenStore('./data') });
 * const server = await serveNode(registry, { port: 4873 });
 */
export function createRegistry(options: RegistryOptions): Registry {
  const resolved = resolveOptions(options);
  const metrics = createRegistryMetrics();
  const downloads = new DownloadCounter(resolved, metrics, options.downloadCounting);
  const app = new Hono();
  // hono's fast router (RegExpRouter) cannot take `/v1/plugins/:name/stats` or `…/dist-tags/:tag` beside
  // `/v1/plugins/:name/:version/…` and would fall back to a slower one for every route: those routes live in an
  // app of their own, tried first for URLs that name them (isSideRoute), which hands anything else to the main app.
  const side = new Hono();
  const route = (method: string, pattern: string, handler: RouteHandler, answered?: AnswerListener, target = app) => {
    target.on(method, pattern, instrument(handler, metrics.route(pattern), resolved, answered));
  };
  const openApi = new TextEncoder().encode(JSON.stringify(resolved.pages ? REGISTRY_OPENAPI : withoutPages(REGISTRY_OPENAPI)));
  route('OPTIONS', '*', () => bytesResponse(204, PREFLIGHT_HEADERS, null));
  route('GET', '/healthz', health(resolved));
  route('GET', '/v1/openapi.json', () => bytesResponse(200, OPENAPI_HEADERS, openApi));
  route('GET', '/v1/plugins', listPlugins(resolved));
  // The hot reads: hono's routes and the lookup in fetch() below share one measured answer each, and the
  // answers given at once from memory (ANSWER_AT_ONCE) the same ready answers, series and download count.
  const documents = documentBodies(resolved);
  const blobs = blobBodies();
  const documentMetrics = metrics.route('/v1/plugins/:name');
  const blobMetrics = metrics.route('/v1/blobs/:algorithm/:hex');
  const served = (hex: string) => downloads.count(hex);
  const hot: HotReads = {
    document: instrumentAnswer(documentAnswer(resolved, documents), documentMetrics, resolved),
    blob: instrumentAnswer(blobAnswer(resolved, served, blobs), blobMetrics, resolved),
  };
  const signs = resolved.signer !== undefined;
  const atOnce = readyReads({
    storage: resolved.storage,
    documents,
    blobs,
    documentMetrics,
    blobMetrics,
    asksFresh,
    asksEnvelope: (accept) => signs && acceptsEnvelope(accept),
    served,
    blobEtag,
  });
  app.get('/v1/plugins/:name', (c) => hot.document(c.req.raw, c.req.param('name') ?? '', ''));
  route('GET', '/v1/plugins/:name/stats', getStats(resolved, downloads), undefined, side);
  route('GET', '/v1/plugins/:name/:version/files/:file', getVersionFile(resolved));
  app.get('/v1/blobs/:algorithm/:hex', (c) => hot.blob(c.req.raw, c.req.param('algorithm') ?? '', c.req.param('hex') ?? ''));
  route('GET', '/v1/keys', getKeys(resolved));
  route('GET', '/v1/keys/:version', getKeysVersion(resolved));
  route('GET', '/v1/list/:page', getListPage(resolved));
  route(
    'PUT',
    '/v1/plugins/:name/:version',
    putVersion(resolved, (name, version, entry) => downloads.noteVersion(name, version, entry)),
    (status, code) => metrics.publish(status, code),
  );
  route('POST', '/v1/plugins/:name/:version/yank', yankVersion(resolved, true));
  route('DELETE', '/v1/plugins/:name/:version/yank', yankVersion(resolved, false));
  route('PUT', '/v1/plugins/:name/dist-tags/:tag', moveDistTag(resolved, false), undefined, side);
  route('DELETE', '/v1/plugins/:name/dist-tags/:tag', moveDistTag(resolved, true), undefined, side);
  if (resolved.pages) mountPages((method, pattern, handler) => route(method, pattern, handler), resolved, downloads);
  const routes = [...app.routes, ...side.routes].map(({ method, path }) => ({ method, path }));
  side.notFound((c) => app.fetch(c.req.raw));
  app.notFound(
    instrument(
      (c) => {
        throw new HttpError(404, 'E_NOT_FOUND', `no such route: ${c.req.method} ${new URL(c.req.url).pathname}`);
      },
      metrics.route(UNMATCHED_ROUTE),
      resolved,
    ),
  );
  app.onError((error, c) => errorAnswer(error, c.req.method, resolved).response);
  const routed = async (request: Request): Promise<Response> => {
    try {
      const { url } = request;
      return await (isSideRoute(url) ? side : app).fetch(request);
    } catch (error) {
      return errorAnswer(error, request.method, resolved).response;
    }
  };
  return {
    fetch(request) {
      let answer: Promise<Response> | undefined;
      try {
        answer = answerHotRead(request, hot);
      } catch {
        // A request the hot path cannot read goes to the router, which answers whatever it is.
      }
      return answer ?? routed(request);
    },
    [ANSWER_AT_ONCE]: atOnce,
    metrics: () => metrics.set.snapshot(),
    routes,
    close: () => downloads.close(),
  };
}

/** The OpenAPI document without the pages' paths, for a registry that serves none. */
function withoutPages(document: typeof REGISTRY_OPENAPI): object {
  const paths = Object.fromEntries(Object.entries(document.paths).filter(([path]) => !Object.hasOwn(PAGES_OPENAPI_PATHS, path)));
  return { ...document, paths };
}

/** True for the URLs of the side app's routes: a plugin's stats and its dist-tags. */
function isSideRoute(url: string): boolean {
  return url.endsWith('/stats') || url.includes('/stats?') || url.includes('/dist-tags/');
}

const OPENAPI_HEADERS = { ...CORS_READ_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' };
