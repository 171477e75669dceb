/**
 * The registry as a web-standard handler: `createRegistry(options).fetch`
 * takes a Request and resolves to a Response, on any runtime. Routing is
 * hono's; every error becomes JSON `{ error: { code, message } }` with its
 * status, a damaged stored document a 503 naming the plugin (and a log
 * line), and an unexpected one a 500 whose details go only to the log.
 */
import { Hono } from 'hono';
import { HttpError, toHttpError } from './http/errors.js';
import { CORS_READ_HEADERS, bytesResponse, jsonResponse } from './http/responses.js';
import { resolveOptions, type RegistryOptions, type ResolvedOptions } from './options.js';
import { getBlob, getDocument, getVersionFile, health, listPlugins } from './routes/read.js';
import { getKeys, getKeysVersion, getListPage } from './routes/trust.js';
import { putVersion, yankVersion } from './routes/write.js';
import { moveDistTag } from './routes/dist-tags.js';
import { mountPages } from './ui/pages.js';
import { isStoredDocumentError } from './storage/errors.js';

/** A running registry: a fetch-style handler. */
export interface Registry {
  /** Answers one HTTP request. Never rejects: failures are error responses. */
  fetch(request: Request): Promise<Response>;
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
  const app = new Hono();
  app.options('*', () => bytesResponse(204, PREFLIGHT_HEADERS, null));
  app.get('/healthz', health(resolved));
  app.get('/v1/plugins', listPlugins(resolved));
  app.get('/v1/plugins/:name', getDocument(resolved));
  app.get('/v1/plugins/:name/:version/files/:file', getVersionFile(resolved));
  app.get('/v1/blobs/:algorithm/:hex', getBlob(resolved));
  app.get('/v1/keys', getKeys(resolved));
  app.get('/v1/keys/:version', getKeysVersion(resolved));
  app.get('/v1/list/:page', getListPage(resolved));
  app.put('/v1/plugins/:name/:version', putVersion(resolved));
  app.post('/v1/plugins/:name/:version/yank', yankVersion(resolved, true));
  app.delete('/v1/plugins/:name/:version/yank', yankVersion(resolved, false));
  app.put('/v1/plugins/:name/dist-tags/:tag', moveDistTag(resolved, false));
  app.delete('/v1/plugins/:name/dist-tags/:tag', moveDistTag(resolved, true));
  if (resolved.pages) mountPages(app, resolved);
  app.notFound((c) => errorResponse(new HttpError(404, 'E_NOT_FOUND', `no such route: ${c.req.method} ${new URL(c.req.url).pathname}`), c.req.method));
  app.onError((error, c) => errorResponse(error, c.req.method, resolved));
  return {
    async fetch(request) {
      try {
        return await app.fetch(request);
      } catch (error) {
        return errorResponse(error, request.method, resolved);
      }
    },
  };
}

function errorResponse(error: unknown, method: string, options?: ResolvedOptions): Response {
  let known = toHttpError(error);
  if (known === undefined && isStoredDocumentError(error)) {
    // Damaged data of one plugin: the server's problem, not the request's, and the operator's to repair.
    options?.log({ level: 'error', message: error.message, error });
    known = new HttpError(503, 'E_UNAVAILABLE', error.message);
  }
  if (known === undefined) {
    options?.log({ level: 'error', message: `unexpected error: ${(error as Error)?.message ?? String(error)}`, error });
    known = new HttpError(500, 'E_INTERNAL', 'internal error (the server log has the details)');
  }
  const cors = method === 'GET' || method === 'HEAD' ? CORS_READ_HEADERS : {};
  return jsonResponse(
    known.status,
    { error: { code: known.code, message: known.message, ...known.extra } },
    { ...cors, ...known.headers, 'cache-control': 'no-store' },
  );
}
