/**
 * The public types of the registry HTTP client (src/core/registry/client.ts): its
 * options, the RegistryClient interface, and the answers and options of its
 * calls. Re-exported from client.ts, which is where importers take them.
 */
import type { PluginDocument, PluginList, VersionEntry } from './document.js';
import type { FetchLike } from '../ports.js';
import type { Envelope } from '../trust/index.js';

/** Options of createRegistryClient. */
export interface RegistryClientOptions {
  /** Base URL of the registry, e.g. `https://registry.example.com` (a path prefix is kept). */
  url: string;
  fetch?: FetchLike;
  /** Bearer token sent to the registry's own origin (never to a CDN serving blobs). */
  token?: string;
  /** Retries of a failed GET, and of a write with a bytes or Blob body the registry refused with 429; default 2. */
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

/**
 * The answer of getDocument: a fresh document, or 304 when the ETag still
 * matches; `freshMs` is how long the answer stays fresh by its Cache-Control
 * (registry/freshness.ts), 0 when it must be revalidated before every use.
 */
export type DocumentResult =
  | { status: 200; document: PluginDocument; etag?: string; url: string; envelope?: Envelope; freshMs: number }
  | { status: 304; url: string; freshMs: number };

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
  /** Retries on network errors and 408/429/5xx, instead of the client's `retry`. */
  retry?: number;
  /**
   * Checks the envelope (undefined for an unsigned answer) before anything
   * of the payload is parsed or trusted; a rejection is the answer's error.
   */
  verify?: (envelope: Envelope | undefined, url: string) => Promise<unknown>;
}

/** Options of RegistryClient.list. */
export interface ListOptions {
  /** Search text: the server matches it in names and descriptions, case-insensitively (so does a signed list here). */
  q?: string;
  limit?: number;
  offset?: number;
  signal?: AbortSignal;
  /** Ask for a signed envelope (default: the client's `signed`). */
  signed?: boolean;
  /** Retries on network errors and 408/429/5xx, instead of the client's `retry`. */
  retry?: number;
  /**
   * Checks the envelope (undefined for an unsigned answer) before anything
   * of the payload is parsed or trusted; a rejection is the answer's error.
   * A trust guard's `list` fits here.
   */
  verify?: (envelope: Envelope | undefined, url: string) => Promise<unknown>;
}

/**
 * The answer of list: the list, plus the envelope it came in when the
 * registry signed it (the first page's) and, when the signed list came in
 * pages, every page's envelope in order.
 */
export type ListResult = PluginList & { envelope?: Envelope; envelopes?: Envelope[] };

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
  /**
   * GET /v1/plugins?q=&limit=&offset=. A signed list carries every plugin, in
   * pages (`/v1/list/<n>`) that are all read and each handed to `verify`;
   * q, limit and offset apply to it here.
   */
  list(options?: ListOptions): Promise<ListResult>;
  /** GET /v1/keys (the newest keys envelope) or /v1/keys/:version, as parsed JSON for the caller to verify. */
  keys(version?: number, options?: { signal?: AbortSignal }): Promise<unknown>;
  /**
   * Downloads a blob. Refuses a Content-Length over `maxBytes` and aborts mid-stream once more
   * bytes arrive (SizeLimitError); `maxBytes` defaults to `dist.size`, else 64 MiB.
   */
  download(dist: { url: string; size?: number }, options?: DownloadOptions): Promise<Uint8Array>;
  /**
   * PUT /v1/plugins/:name/:version with a `.plg` body (application/gzip);
   * never redirected (RedirectError); retried only after a 429 (its
   * Retry-After) and only with a bytes or Blob body, never a stream.
   */
  publish(name: string, version: string, body: PackageBody, options?: { token?: string; signal?: AbortSignal }): Promise<VersionEntry>;
  /**
   * POST …/yank, or DELETE …/yank with `undo`; never retried, never redirected (RedirectError).
   * Resolves to the version entry the registry answered, checked to be `name@version` in the state asked for.
   */
  yank(name: string, version: string, options?: { token?: string; undo?: boolean; signal?: AbortSignal }): Promise<VersionEntry>;
}
