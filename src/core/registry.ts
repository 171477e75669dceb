/**
 * The registry HTTP client (DESIGN.md, "Registry HTTP API"), built on ky with
 * an injectable `fetch`. Documents are conditional (ETag / 304), size-limited
 * and validated; blobs stream with a byte limit enforced mid-stream; publish
 * and yank carry a bearer token. Only GET is retried (network errors, 408,
 * 429, 5xx, with backoff); PUT/POST/DELETE never are. Every failure is a
 * RegistryError naming method, URL, status and the server's error code, except
 * that a caller's abort rejects with the caller's `signal.reason` unchanged.
 * With `signed` (a host with trustedKeys), documents and lists are asked for
 * as signed envelopes (DESIGN.md, "Trust"); an envelope is recognised by its
 * `payloadType` and `payload` whatever was asked, and answered as the
 * document it carries plus the envelope, which the caller verifies.
 */
import ky, { isHTTPError } from 'ky';
import { parsePluginDocument, parsePluginList, versionEntrySchema } from './document.js';
import type { PluginDocument, PluginList, VersionEntry } from './document.js';
import { DocumentError, RegistryError, SizeLimitError, UsageError, isPlughubError } from './errors.js';
import type { FetchLike } from './ports.js';
import { ENVELOPE_MEDIA_TYPE, isEnvelope, type Envelope } from './trust/envelope.js';

/** Options of createRegistryClient. */
export interface RegistryClientOptions {
  /** Base URL of the registry, e.g. `https://registry.example.com` (a path prefix is kept). */
  url: string;
  fetch?: FetchLike;
  /** Bearer token sent to the registry's own origin (never to a CDN serving blobs). */
  token?: string;
  /** Retries of a failed GET; default 2. */
  retry?: number;
  /** First retry delay in ms, doubled for each further retry; default 300. */
  retryDelayMs?: number;
  /** Limit of one whole call (all attempts and the body); default 30000. */
  timeoutMs?: number;
  /** Limit of a document or list body; default 8 MiB. */
  maxDocumentBytes?: number;
  headers?: Record<string, string>;
  /** Ask for signed envelopes (`Accept: application/vnd.plughub.envelope+json`) for documents and lists. */
  signed?: boolean;
}

/** The answer of getDocument: a fresh document, or 304 when the ETag still matches. */
export type DocumentResult =
  | { status: 200; document: PluginDocument; etag?: string; url: string; envelope?: Envelope }
  | { status: 304; url: string };

/** Options of RegistryClient.download; `plugin` and `version` are named in errors. */
export interface DownloadOptions {
  maxBytes?: number;
  signal?: AbortSignal;
  /** Called after every chunk; `total` is the Content-Length, else `dist.size`. */
  onProgress?: (received: number, total?: number) => void;
  plugin?: string;
  version?: string;
}

/** Options of RegistryClient.getDocument. */
export interface GetDocumentOptions {
  /** Sent as If-None-Match: a 304 answer means the cached copy is current. */
  etag?: string;
  signal?: AbortSignal;
  /** Ask for a signed envelope (default: the client's `signed`). */
  signed?: boolean;
  /**
   * Checks the envelope (undefined for an unsigned answer) before anything
   * of the payload is parsed or trusted; a rejection is the answer's error.
   */
  verify?: (envelope: Envelope | undefined, url: string) => Promise<unknown>;
}

/** The answer of list: the list, plus the envelope it came in when the registry signed it. */
export type ListResult = PluginList & { envelope?: Envelope };

/** The bytes of a `.plg` package as publish accepts them. */
export type PackageBody = Uint8Array | Blob | ReadableStream<Uint8Array>;

/** Talks to one registry. */
export interface RegistryClient {
  /** Normalized base URL, no trailing slash. */
  readonly url: string;
  /** URL of a plugin's document; scoped names are encoded as `@acme%2Fhello`. */
  documentUrl(name: string): string;
  /** Resolves a dist URL: absolute URLs as they are, `/…` below the base URL, others relative to it. */
  blobUrl(dist: { url: string }): string;
  /** GET /v1/plugins/:name, with If-None-Match when `etag` is given; 404 → RegistryError status 404. */
  getDocument(name: string, options?: GetDocumentOptions): Promise<DocumentResult>;
  /** GET /v1/plugins?q=&limit=&offset= (a signed list carries every plugin: q, limit and offset apply to it here). */
  list(options?: { q?: string; limit?: number; offset?: number; signal?: AbortSignal; signed?: boolean }): Promise<ListResult>;
  /** GET /v1/keys (the newest keys envelope) or /v1/keys/:version, as parsed JSON for the caller to verify. */
  keys(version?: number, options?: { signal?: AbortSignal }): Promise<unknown>;
  /**
   * Downloads a blob. Refuses a Content-Length over `maxBytes` and aborts mid-stream once more
   * bytes arrive (SizeLimitError); `maxBytes` defaults to `dist.size`, else 64 MiB.
   */
  download(dist: { url: string; size?: number }, options?: DownloadOptions): Promise<Uint8Array>;
  /** PUT /v1/plugins/:name/:version with a `.plg` body (application/gzip); never retried. */
  publish(name: string, version: string, body: PackageBody, options?: { token?: string; signal?: AbortSignal }): Promise<VersionEntry>;
  /** POST …/yank, or DELETE …/yank with `undo`. */
  yank(name: string, version: string, options?: { token?: string; undo?: boolean; signal?: AbortSignal }): Promise<void>;
}

const MiB = 1024 * 1024;
const ERROR_BODY_LIMIT = 64 * 1024;
const RETRY_STATUS = [408, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 409: 'Conflict', 413: 'Content Too Large', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** One HTTP exchange: what to send, and what the error messages should name. */
interface Call {
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
}

/**
 * Creates a client for the registry at `options.url`.
 * @example
 * const registry = createRegistryClient({ url: 'http://127.0.0.1:4873' });
 * const answer = await registry.getDocument('hello', { etag: cached?.etag });
 */
export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const base = normalizeBase(options.url);
  const origin = new URL(base).origin;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxDocumentBytes = options.maxDocumentBytes ?? 8 * MiB;
  const backoff = options.retryDelayMs ?? 300;

  async function send<T>(call: Call, consume: (response: Response, signal: AbortSignal) => Promise<T>): Promise<T> {
    if (call.signal?.aborted) throw call.signal.reason;
    const link = linkSignal(call.signal, timeoutMs);
    const headers: Record<string, string> = { ...options.headers, ...call.headers };
    const token = call.token ?? options.token;
    if (token !== undefined && new URL(call.url).origin === origin) headers.authorization = `Bearer ${token}`;
    try {
      const response = await ky(call.url, {
        method: call.method,
        headers,
        body: call.body,
        signal: link.signal,
        timeout: false,
        throwHttpErrors: (status) => status !== 304,
        retry: {
          limit: options.retry ?? 2,
          methods: ['get'],
          statusCodes: RETRY_STATUS,
          afterStatusCodes: [429, 503],
          maxRetryAfter: timeoutMs,
          delay: (attempt) => backoff * 2 ** (attempt - 1),
        },
        hooks: { beforeRetry: [({ error }) => void (isHTTPError(error) && discard(error.response))] },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
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
        url: call.url, plugin: call.plugin, version: call.version, cause: error,
      });
    }
  }

  const accept = (signed: boolean | undefined) =>
    (signed ?? options.signed) ? ENVELOPE_MEDIA_TYPE : 'application/json';

  /** The payload of an envelope as JSON, or the answer itself when it is not an envelope. */
  function unwrap(call: Call, value: unknown): { body: unknown; envelope?: Envelope } {
    if (!isEnvelope(value)) return { body: value };
    try {
      return { body: JSON.parse(value.payload), envelope: value };
    } catch (error) {
      throw new DocumentError(`${call.method} ${call.url}: the envelope's payload is not JSON (${describe(error)})`, {
        url: call.url, plugin: call.plugin, cause: error,
      });
    }
  }

  const client: RegistryClient = {
    url: base,
    documentUrl: (name) => `${base}/v1/plugins/${encodeName(name)}`,
    blobUrl: (dist) => resolveBlobUrl(base, dist.url),

    getDocument(name, opts = {}) {
      const call: Call = { method: 'GET', url: client.documentUrl(name), signal: opts.signal, plugin: name };
      call.headers = { accept: accept(opts.signed), ...(opts.etag ? { 'if-none-match': opts.etag } : {}) };
      return send(call, async (response, signal): Promise<DocumentResult> => {
        if (response.status === 304) {
          discard(response);
          return { status: 304, url: call.url };
        }
        const json = await readJson(call, response, signal);
        await opts.verify?.(isEnvelope(json) ? json : undefined, call.url);
        const { body, envelope } = unwrap(call, json);
        const inner = envelope ? (body as { document?: unknown } | null)?.document : body;
        const document = parsePluginDocument(inner, name, { url: call.url });
        return { status: 200, document, etag: response.headers.get('etag') ?? undefined, url: call.url, ...(envelope ? { envelope } : {}) };
      });
    },

    list(opts = {}) {
      const url = new URL(`${base}/v1/plugins`);
      if (opts.q !== undefined) url.searchParams.set('q', opts.q);
      if (opts.limit !== undefined) url.searchParams.set('limit', String(opts.limit));
      if (opts.offset !== undefined) url.searchParams.set('offset', String(opts.offset));
      const call: Call = { method: 'GET', url: url.href, signal: opts.signal, headers: { accept: accept(opts.signed) } };
      return send(call, async (response, signal): Promise<ListResult> => {
        const { body, envelope } = unwrap(call, await readJson(call, response, signal));
        if (!envelope) return parsePluginList(body, { url: call.url });
        const all = parsePluginList({ total: 0, ...(body as object) }, { url: call.url }).plugins;
        const q = (opts.q ?? '').toLowerCase();
        const found = all.filter((row) => row.name.includes(q) || (row.description ?? '').toLowerCase().includes(q));
        const offset = opts.offset ?? 0;
        const plugins = found.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
        return { total: found.length, plugins, envelope };
      });
    },

    keys(version, opts = {}) {
      const url = `${base}/v1/keys${version === undefined ? '' : `/${version}`}`;
      const call: Call = { method: 'GET', url, signal: opts.signal, headers: { accept: ENVELOPE_MEDIA_TYPE } };
      return send(call, (response, signal) => readJson(call, response, signal));
    },

    download(dist, opts = {}) {
      const call: Call = { method: 'GET', url: client.blobUrl(dist), signal: opts.signal, plugin: opts.plugin, version: opts.version };
      if (opts.plugin !== undefined) call.prefix = opts.version === undefined ? opts.plugin : `${opts.plugin}@${opts.version}`;
      const limit = opts.maxBytes ?? dist.size ?? 64 * MiB;
      return send(call, (response, signal) => readBody(call, response, signal, limit, opts.onProgress, dist.size));
    },

    publish(name, version, body, opts = {}) {
      const url = `${client.documentUrl(name)}/${encodeURIComponent(version)}`;
      const call: Call = { method: 'PUT', url, signal: opts.signal, body: body as BodyInit, token: opts.token, plugin: name, version };
      call.headers = { 'content-type': 'application/gzip', accept: 'application/json' };
      return send(call, async (response, signal) => {
        const parsed = versionEntrySchema.safeParse(await readJson(call, response, signal));
        const entry = parsed.success ? parsed.data : undefined;
        if (!entry || entry.manifest.name !== name || entry.manifest.version !== version) {
          const problem = parsed.success ? `it describes ${entry?.manifest.name}@${entry?.manifest.version}` : parsed.error.message;
          throw new DocumentError(`${name}@${version}: PUT ${url} answered with an unusable version entry (${problem})`, {
            url, plugin: name, version,
          });
        }
        return entry;
      });
    },

    yank(name, version, opts = {}) {
      const url = `${client.documentUrl(name)}/${encodeURIComponent(version)}/yank`;
      const method = opts.undo ? 'DELETE' : 'POST';
      const call: Call = { method, url, signal: opts.signal, token: opts.token, plugin: name, version };
      return send(call, async (response) => discard(response));
    },
  };
  return client;
}

function failure(call: Call, what: string, extra: { status?: number; serverCode?: string; unreachable?: boolean; cause?: unknown }) {
  const prefix = call.prefix === undefined ? '' : `${call.prefix}: `;
  return new RegistryError(`${prefix}${call.method} ${call.url} failed: ${what}`, {
    method: call.method, url: call.url, plugin: call.plugin, version: call.version, ...extra,
  });
}

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
async function readBody(
  call: Call, response: Response, signal: AbortSignal, limit: number,
  onProgress?: (received: number, total?: number) => void, expected?: number,
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
  chunks.reduce((offset, chunk) => (out.set(chunk, offset), offset + chunk.byteLength), 0);
  return out;
}

/** Follows the caller's signal and adds a timer; `dispose` clears both. */
function linkSignal(caller: AbortSignal | undefined, ms: number) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(caller?.reason);
  caller?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${ms} ms`));
  }, Math.min(ms, 2_147_483_647));
  const dispose = (): void => (clearTimeout(timer), caller?.removeEventListener('abort', onAbort));
  return { signal: controller.signal, timedOut: () => timedOut, dispose };
}

function discard(response: Response): void {
  void response.body?.cancel().catch(() => {});
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error && error.cause.message ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function normalizeBase(url: string): string {
  const parsed = typeof url === 'string' ? parseUrl(url) : undefined;
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new UsageError(`registry URL ${JSON.stringify(url)} is not an http(s) URL`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** `new URL` without the throw (URL.parse is too recent for some supported browsers). */
function parseUrl(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

function encodeName(name: string): string {
  if (typeof name !== 'string' || name === '') throw new UsageError(`plugin name must be a non-empty string, got ${JSON.stringify(name)}`);
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

function resolveBlobUrl(base: string, raw: string): string {
  // A root-relative path is below the base URL (a registry mounted at a prefix emits `/v1/blobs/…`).
  const resolved = parseUrl(raw.startsWith('/') && !raw.startsWith('//') ? base + raw : raw, `${base}/`);
  if (resolved?.protocol !== 'http:' && resolved?.protocol !== 'https:') {
    throw new DocumentError(`dist.url ${JSON.stringify(raw)} is not an http(s) URL`, { url: raw });
  }
  return resolved.href;
}
