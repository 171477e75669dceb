/**
 * Measuring a route: the wrapped handler's answer (or the error response of
 * what it threw) is recorded in the route's bound series — method, status,
 * seconds, body bytes — so that every route, its refusals included, is
 * counted under its pattern, never its path.
 */
import type { Context } from 'hono';
import type { RouteMetrics } from '../metrics.js';
import type { ResolvedOptions } from '../options.js';
import { errorAnswer } from './error-response.js';
import type { RegistryErrorCode } from './errors.js';
import { preparedParts } from './responses.js';

/** A route handler as hono calls it. */
export type RouteHandler = (c: Context) => Response | Promise<Response>;

/** Told of every answer of a route: its status, and the error code when it is an error. */
export type AnswerListener = (status: number, code: RegistryErrorCode | undefined) => void;

/** `handler`, recording each answer in `metrics` (and telling `answered`, if given). */
export function instrument(handler: RouteHandler, metrics: RouteMetrics, options: ResolvedOptions, answered?: AnswerListener): RouteHandler {
  return async (c) => {
    const started = performance.now();
    const method = c.req.raw.method;
    let response: Response;
    let code: RegistryErrorCode | undefined;
    try {
      response = await handler(c);
    } catch (error) {
      ({ response, code } = errorAnswer(error, method, options));
    }
    metrics.record(method, response.status, (performance.now() - started) / 1000, method === 'HEAD' ? 0 : bodyBytes(response));
    answered?.(response.status, code);
    return response;
  };
}

/** A read answer as instrumentAnswer makes it: never rejects (a failure is its error response). */
export type MeasuredAnswer = (request: Request, first: string, second: string) => Promise<Response>;

/**
 * A read route's answer (see routes/read.ts ReadAnswer) recorded in
 * `metrics` like `instrument` records a route: hono's route and the hot
 * path of registry.ts both call it, so a request is counted once, under
 * the route's pattern, whichever way it came.
 */
export function instrumentAnswer(answer: MeasuredAnswer, metrics: RouteMetrics, options: ResolvedOptions): MeasuredAnswer {
  return async (request, first, second) => {
    const started = performance.now();
    let response: Response;
    try {
      response = await answer(request, first, second);
    } catch (error) {
      response = errorAnswer(error, request.method, options).response;
    }
    const method = request.method;
    metrics.record(method, response.status, (performance.now() - started) / 1000, method === 'HEAD' ? 0 : bodyBytes(response));
    return response;
  };
}

/** The length of a response body the registry built (all of them are prepared); from Content-Length otherwise. */
function bodyBytes(response: Response): number {
  const parts = preparedParts(response);
  if (parts !== undefined) return parts.body?.byteLength ?? 0;
  const length = Number(response.headers.get('content-length'));
  return Number.isSafeInteger(length) && length > 0 ? length : 0;
}
