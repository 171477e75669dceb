/**
 * The answer to a thrown error: JSON `{ error: { code, message } }` with its
 * status; a damaged stored document a 503 naming the plugin (and a log
 * line); an unexpected error a 500 whose details go only to the log.
 */
import type { ResolvedOptions } from '../options.js';
import { isStoredDocumentError } from '../storage/errors.js';
import { HttpError, toHttpError, type RegistryErrorCode } from './errors.js';
import { CORS_READ_HEADERS, jsonResponse } from './responses.js';

/** The response to `error` for a request of `method`, with the code it carries. */
export function errorAnswer(error: unknown, method: string, options?: ResolvedOptions): { response: Response; code: RegistryErrorCode } {
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
  const response = jsonResponse(
    known.status,
    { error: { code: known.code, message: known.message, ...known.extra } },
    { ...cors, ...known.headers, 'cache-control': 'no-store' },
  );
  return { response, code: known.code };
}
