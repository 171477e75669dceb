/**
 * Errors the registry answers with, and how any thrown error becomes one:
 * HttpError carries the status and the stable `code` of the JSON error body
 * `{ error: { code, message } }`; known plughub errors (size limits, package
 * and manifest problems) map to 413, 400 and 422; anything else is a 500
 * whose details go to the log, never to the client.
 */
import { isManifestError, isSizeLimitError } from '../../src/core/errors/index.js';
import { isPackageError } from '../../src/core/plg/index.js';

/** Stable error codes of the registry API (in `error.code`). */
export type RegistryErrorCode =
  | 'E_BAD_REQUEST'
  | 'E_UNAUTHORIZED'
  | 'E_FORBIDDEN'
  | 'E_NOT_FOUND'
  | 'E_VERSION_EXISTS'
  | 'E_TOO_LARGE'
  | 'E_UNSUPPORTED_MEDIA_TYPE'
  | 'E_UPLOAD_TIMEOUT'
  | 'E_TOO_MANY_UPLOADS'
  | 'E_NOT_GZIP'
  | 'E_BAD_ARCHIVE'
  | 'E_UNSAFE_ENTRY'
  | 'E_DUPLICATE_ENTRY'
  | 'E_MISSING_MANIFEST'
  | 'E_MISSING_BUNDLE'
  | 'E_BAD_TEXT_FILE'
  | 'E_MANIFEST'
  | 'E_MISMATCH'
  | 'E_BAD_SIGNATURE'
  | 'E_UNAVAILABLE'
  | 'E_INTERNAL';

/** An error with the HTTP status and code the client gets. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly code: RegistryErrorCode;
  /** More fields for the `error` object (such as `issues`). */
  readonly extra: Record<string, unknown>;
  /** More response headers (such as `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: RegistryErrorCode,
    message: string,
    options: { extra?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

/** The HttpError for a thrown error; undefined for an unexpected one (a 500). */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (isSizeLimitError(error)) return new HttpError(413, 'E_TOO_LARGE', error.message, { extra: { limit: error.limit } });
  if (isPackageError(error)) {
    const status = error.code === 'E_NOT_GZIP' || error.code === 'E_BAD_ARCHIVE' ? 400 : 422;
    return new HttpError(status, error.code, error.message, error.entry === undefined ? {} : { extra: { entry: error.entry } });
  }
  if (isManifestError(error)) return new HttpError(422, 'E_MANIFEST', error.message, { extra: { issues: error.issues } });
  return undefined;
}
