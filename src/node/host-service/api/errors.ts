/**
 * The management API's error answers: `{ error: { code, message } }`, the
 * registry's shape. A thrown error is mapped in two steps: first by the
 * registry's own mapping (registry-server/http/errors.ts: its HttpError,
 * size limits, package and manifest problems), then by the codes of the
 * host's errors (a plugin not loaded is a 404, a registry that failed a
 * 502, a plugin the registry does not have a 404 …). Anything else is a 500 whose details go to the service's log,
 * never to the client; a stack trace is never sent.
 */
import { isPlughubError, isRegistryError } from '../../../core/errors/index.js';
import { toHttpError } from '../../../../registry-server/http/errors.js';

/** An answer of the API that is not a success: its status, stable code, message and extra headers. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** More fields of the `error` object (such as a size limit's `limit`). */
  readonly extra: Record<string, unknown>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.extra = extra;
  }
}

/** The status of each code of the host's errors that the registry's mapping does not know. */
const HOST_ERROR_STATUS: Readonly<Record<string, number>> = {
  E_NOT_LOADED: 404,
  E_USAGE: 400,
  E_RESOLVE: 404,
  E_REGISTRY: 502,
  E_DOCUMENT: 502,
  E_REDIRECT: 502,
  E_INTEGRITY: 502,
  E_SIGNATURE: 502,
  E_ROLLBACK: 502,
  E_EXPIRED: 502,
  E_LOAD: 422,
  E_COMPATIBILITY: 422,
  E_DEPENDENCY_CYCLE: 422,
  E_ROUTE: 422,
  E_ROUTE_CONFLICT: 409,
  E_CACHE_FILE: 500,
  E_EXECUTE: 500,
  E_DEADLINE: 504,
  E_CANCELLED: 503,
  E_UNLOADED: 503,
};

/** The ApiError for a thrown error; undefined for an unexpected one (a 500 whose details only the log gets). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  const known = toHttpError(error);
  if (known !== undefined) return new ApiError(known.status, known.code, known.message, known.headers, known.extra);
  // A plugin the registry does not have is the caller's mistake, not the registry's failure.
  if (isRegistryError(error) && error.status === 404) return new ApiError(404, error.code, error.message);
  if (isPlughubError(error)) {
    const status = HOST_ERROR_STATUS[error.code];
    if (status !== undefined) return new ApiError(status, error.code, error.message);
  }
  return undefined;
}

/** A JSON answer of the API (never cached: it describes the host now). */
export function jsonAnswer(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** The JSON error answer for `error`; `log` is told of an unexpected one. */
export function errorAnswer(error: unknown, log: (message: string) => void): Response {
  let known = toApiError(error);
  if (known === undefined) {
    log(`management API: unexpected error: ${(error as Error)?.message ?? String(error)}`);
    known = new ApiError(500, 'E_INTERNAL', 'internal error (the service log has the details)');
  }
  return jsonAnswer(known.status, { error: { code: known.code, message: known.message, ...known.extra } }, known.headers);
}
