/**
 * `/metrics` in front of the registry on a Node server (`plughub serve`):
 * Prometheus text of one scrape, made by an exposition (prom-client, see
 * src/node/metrics/prometheus.ts), while every other request goes to the
 * registry as it is. Open by default; given a token verifier, a scrape needs
 * `Authorization: Bearer <token>` with any valid token of it (401
 * otherwise). The registry handler itself stays web-standard and free of
 * prom-client: it only offers its snapshot (`registry.metrics()`).
 */
import { requireToken } from '../auth.js';
import { errorAnswer } from '../http/error-response.js';
import { HttpError } from '../http/errors.js';
import { bytesResponse } from '../http/responses.js';
import type { TokenVerifier } from '../tokens/types.js';
import type { FetchHandler } from './serve.js';

/** What a scrape answers with. */
export interface MetricsExposition {
  readonly contentType: string;
  text(): Promise<string>;
}

/** Options of withMetricsRoute. */
export interface MetricsRouteOptions {
  exposition: MetricsExposition;
  /** When given, a scrape needs a valid token of this verifier. */
  tokens?: TokenVerifier;
}

const encoder = new TextEncoder();

/** `handler` with `GET /metrics` (and HEAD) answered from `options.exposition`. */
export function withMetricsRoute(handler: FetchHandler, options: MetricsRouteOptions): FetchHandler {
  return {
    fetch(request) {
      // A cheap look first: the registry's hot routes never end so.
      const { url } = request;
      if (!url.endsWith('/metrics') && !url.includes('/metrics?')) return handler.fetch(request);
      if (new URL(url).pathname !== '/metrics') return handler.fetch(request);
      return scrape(request, options);
    },
  };
}

async function scrape(request: Request, options: MetricsRouteOptions): Promise<Response> {
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      throw new HttpError(405, 'E_BAD_REQUEST', `/metrics answers GET and HEAD, not ${request.method}`, { headers: { allow: 'GET, HEAD' } });
    }
    if (options.tokens !== undefined) await requireToken(request, options.tokens);
    const text = await options.exposition.text();
    return bytesResponse(200, { 'content-type': options.exposition.contentType, 'cache-control': 'no-store' }, encoder.encode(text));
  } catch (error) {
    return errorAnswer(error, request.method).response;
  }
}
