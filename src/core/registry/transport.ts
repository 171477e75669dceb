/**
 * The transport of the registry client (src/core/registry/client.ts): one HTTP
 * exchange with an injectable `fetch` (GETs with fetch itself,
 * read-request.ts; writes through ky), the bearer token sent only to the
 * registry's own origin, a timeout over the whole call, and retries of GET
 * only (network errors, 408, 429, 5xx, with backoff). Bodies are read
 * with a byte limit enforced mid-stream; signed envelopes are unwrapped into
 * the JSON they carry. Every failure becomes a RegistryError naming method,
 * URL, status and the server's error code, except that a caller's abort
 * rejects with the caller's `signal.reason` unchanged. Writes (PUT, POST,
 * DELETE) never follow a redirect: the token rightly stays behind on another
 * origin, so a followed write could only fail or, worse, answer success for
 * a write that did not happen; a redirect answer is a RedirectError naming
 * where it pointed. Reads follow redirects (blobs may live on a CDN; fetch
 * drops the token when a hop changes origin).
 */
import ky, { isHTTPError } from 'ky';
import { DocumentError, RedirectError, RegistryError, SizeLimitError, isPlughubError } from '../errors/index.js';
import type { RegistryClientOptions } from './types.js';
import { fetchRead, type ReadRetry } from './read-request.js';
import { isEnvelope, type Envelope } from '../trust/index.js';

const MiB = 1024 * 1024;
const ERROR_BODY_LIMIT = 64 * 1024;
/** The longest delay a timer holds (2^31 - 1 ms); a longer time-out waits this long. */
const MAX_TIMER_MS = 2_147_483_647;
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** One HTTP exchange: what to send, and what the error messages should name. */
export interface Call {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  url: string;
  signal: AbortSignal | undefined;
  headers?: Record<string, string>;
  body?: BodyInit;
  token?: string;
  plugin?: string | undefined;
  version?: string | undefined;
  /** Put `plugin@version: ` before messages (when the URL does not name them). */
  prefix?: string;
  /** Retries of this GET, instead of the client's `retry`. */
  retry?: number;
}

/** Sends the calls of one registry client and reads their answers. */
export interface RegistryTransport {
  /**
   * Sends `call` (retrying a GET) and hands the answer to `consume`, whose
   * reads follow `signal`; any failure is a RegistryError, a PlughubError
   * thrown by `consume`, or the caller's abort reason.
   */
  send<T>(call: Call, consume: (response: Response, signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Reads a document-sized body (up to `maxDocumentBytes`) as JSON; DocumentError when it is not JSON. */
  readJson(call: Call, response: Response, signal: AbortSignal): Promise<unknown>;
}

/**
 * Creates the transport of a client with `options`; the token goes only to
 * URLs of `origin` (the registry's, never a CDN serving blobs).
 * @example
 * const transport = createRegistryTransport(options, new URL(base).origin);
 * const json = await transport.send(call, (response, signal) => transport.readJson(call, response, signal));
 */
export function createRegistryTransport(options: RegistryClientOptions, origin: string): RegistryTransport {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxDocumentBytes = options.maxDocumentBytes ?? 8 * MiB;
  const backoff = options.retryDelayMs ?? 300;

  const delay = (attempt: number) => backoff * 2 ** (attempt - 1);
  const fetchImpl = options.fetch ?? ((input: Request | string | URL, init?: RequestInit) => fetch(input, init));
  const readRetry = (call: Call): ReadRetry => ({ limit: call.retry ?? options.retry ?? 2, delay, maxRetryAfterMs: timeoutMs });
  /**
   * A write is retried only when the registry refused it before doing
   * anything (429, after its Retry-After) and its body can be sent again
   * (bytes or a Blob, not a stream): never after a 5xx, a time-out or a lost
   * connection, which may have written it.
   */
  const writeRetry = (call: Call) => {
    const replayable = call.body === undefined || call.body instanceof Uint8Array || call.body instanceof Blob;
    if (!replayable) return { limit: 0 };
    return {
      limit: call.retry ?? options.retry ?? 2,
      methods: [call.method.toLowerCase()],
      statusCodes: [429],
      afterStatusCodes: [429],
      maxRetryAfter: timeoutMs,
      delay,
      shouldRetry: ({ error }: { error: unknown }) => (isHTTPError(error) && error.response.status === 429 ? undefined : false),
    };
  };

  async function send<T>(call: Call, consume: (response: Response, signal: AbortSignal) => Promise<T>): Promise<T> {
    if (call.signal?.aborted) throw call.signal.reason;
    const link = linkSignal(call.signal, timeoutMs);
    const headers: Record<string, string> = { ...options.headers, ...call.headers };
    const token = call.token ?? options.token;
    if (token !== undefined && new URL(call.url).origin === origin) headers.authorization = `Bearer ${token}`;
    const write = call.method !== 'GET';
    try {
      if (!write) {
        const response = await fetchRead(fetchImpl, call.url, { headers, signal: link.signal }, readRetry(call));
        if (!response.ok && response.status !== 304) throw await httpFailure(call, response, link.signal);
        return await consume(response, link.signal);
      }
      const response = await ky(call.url, {
        method: call.method,
        headers,
        body: call.body,
        signal: link.signal,
        timeout: false,
        // A write sees the redirect itself (3xx, or an opaque redirect with status 0 in a browser) and refuses it below.
        redirect: 'manual',
        throwHttpErrors: (status) => status !== 304 && !isRedirectStatus(status),
        retry: writeRetry(call),
        hooks: { beforeRetry: [({ error }) => void (isHTTPError(error) && discard(error.response))] },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      if (response.type === 'opaqueredirect' || isRedirectStatus(response.status)) throw redirected(call, response);
      return await consume(response, link.signal);
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (isPlughubError(error)) throw error;
      if (link.timedOut()) throw failure(call, `timed out after ${timeoutMs} ms`, { unreachable: true, cause: error });
      if (isHTTPError(error)) throw await httpFailure(call, error.response, link.signal);
      throw failure(call, `registry unreachable (${describe(error)})`, { unreachable: true, cause: error });
    } finally {
      link.dispose();
    }
  }

  async function readJson(call: Call, response: Response, signal: AbortSignal): Promise<unknown> {
    const bytes = await readBody(call, response, signal, maxDocumentBytes);
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new DocumentError(`${call.method} ${call.url}: answer is not JSON (${describe(error)})`, {
        url: call.url,
        plugin: call.plugin,
        version: call.version,
        cause: error,
      });
    }
  }

  return { send, readJson };
}

/** The payload of an envelope as JSON, or the answer itself when it is not an envelope. */
export function unwrap(call: Call, value: unknown): { body: unknown; envelope?: Envelope } {
  if (!isEnvelope(value)) return { body: value };
  try {
    return { body: JSON.parse(value.payload), envelope: value };
  } catch (error) {
    throw new DocumentError(`${call.method} ${call.url}: the envelope's payload is not JSON (${describe(error)})`, {
      url: call.url,
      plugin: call.plugin,
      cause: error,
    });
  }
}

function isRedirectStatus(status: number): boolean {
  return status === 0 || (status >= 300 && status < 400 && status !== 304);
}

/** The RedirectError of a write answered with a redirect, naming where it pointed (when the answer says). */
function redirected(call: Call, response: Response): RedirectError {
  discard(response);
  const header = response.headers.get('location');
  let location: string | undefined;
  try {
    location = header === null ? undefined : new URL(header, call.url).href;
  } catch {
    location = header ?? undefined;
  }
  const prefix = call.prefix === undefined ? '' : `${call.prefix}: `;
  const status = response.type === 'opaqueredirect' ? 'redirect' : String(response.status);
  const where = location === undefined ? 'another address' : location;
  return new RedirectError(
    `${prefix}${call.method} ${call.url} was redirected (${status}) to ${where}; a write never follows a redirect ` +
      `(the token would not go along), so nothing was written`,
    {
      method: call.method,
      status: response.status,
      url: call.url,
      plugin: call.plugin,
      version: call.version,
      ...(location !== undefined ? { location } : {}),
    },
  );
}

/** A RegistryError for `call`, its message naming method and URL (and `prefix`). */
function failure(call: Call, what: string, extra: { status?: number; serverCode?: string; unreachable?: boolean; cause?: unknown }) {
  const prefix = call.prefix === undefined ? '' : `${call.prefix}: `;
  return new RegistryError(`${prefix}${call.method} ${call.url} failed: ${what}`, {
    method: call.method,
    url: call.url,
    plugin: call.plugin,
    version: call.version,
    ...extra,
  });
}

/** The RegistryError of an HTTP error status, with the server's error code and message when its body has them. */
async function httpFailure(call: Call, response: Response, signal: AbortSignal): Promise<RegistryError> {
  const status = `${response.status} ${response.statusText || STATUS_TEXT[response.status] || ''}`.trim();
  let server: { code?: unknown; message?: unknown } | undefined;
  try {
    const bytes = await readBody(call, response, signal, ERROR_BODY_LIMIT);
    server = (JSON.parse(new TextDecoder().decode(bytes)) as { error?: typeof server }).error;
  } catch {
    // An error page without the JSON error shape: the status says enough.
  }
  const serverCode = typeof server?.code === 'string' ? server.code : undefined;
  const serverMessage = typeof server?.message === 'string' ? server.message : undefined;
  const detail = serverCode || serverMessage ? ` (${[serverCode, serverMessage].filter(Boolean).join(': ')})` : '';
  return failure(call, `${status}${detail}`, { status: response.status, serverCode });
}

/** Reads a body up to `limit` bytes: refuses a larger Content-Length, and cancels the stream once it passes the limit. */
export async function readBody(
  call: Call,
  response: Response,
  signal: AbortSignal,
  limit: number,
  onProgress?: (received: number, total?: number) => void,
  expected?: number,
): Promise<Uint8Array> {
  const where = `${call.prefix === undefined ? '' : `${call.prefix}: `}${call.method} ${call.url}`;
  const details = { url: call.url, plugin: call.plugin, version: call.version };
  const header = response.headers.get('content-length');
  const declared = header === null || !/^\d+$/.test(header.trim()) ? undefined : Number(header);
  if (declared !== undefined && declared > limit) {
    discard(response);
    throw new SizeLimitError(`${where}: Content-Length ${declared} exceeds the limit of ${limit} bytes`, limit, details);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const onAbort = (): void => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) break;
      received += value.byteLength;
      if (received > limit) {
        void reader.cancel().catch(() => {});
        throw new SizeLimitError(`${where}: body exceeds the limit of ${limit} bytes (aborted after ${received} bytes)`, limit, details);
      }
      chunks.push(value);
      onProgress?.(received, declared ?? expected);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Follows the caller's signal and adds a timer; `dispose` clears both. Not
 * AbortSignal.any / AbortSignal.timeout: the caller's signal is often the
 * host's lifetime signal, on which Node 20's AbortSignal.any keeps an entry
 * per call (and happy-dom's a listener) for good, and Node fires an
 * AbortSignal.timeout above 2^31 - 1 ms after 1 ms (docs/design.md).
 */
function linkSignal(caller: AbortSignal | undefined, ms: number) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(caller?.reason);
  caller?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${ms} ms`));
    },
    Math.min(ms, MAX_TIMER_MS),
  );
  const dispose = (): void => {
    clearTimeout(timer);
    caller?.removeEventListener('abort', onAbort);
  };
  return { signal: controller.signal, timedOut: () => timedOut, dispose };
}

/** Drops a body that will not be read, so the connection is freed. */
export function discard(response: Response): void {
  void response.body?.cancel().catch(() => {});
}

/** An error's message, with its cause's message appended when there is one. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error && error.cause.message ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
