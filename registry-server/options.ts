/**
 * What `createRegistry` takes: the storage driver, the token store, the size
 * limits of a package, how an upload must arrive (time, rate, uploads per
 * token, memory), the public URL and a logger. Defaults live here.
 */
import { DEFAULT_PLG_LIMITS, type PlgLimits } from '../src/core/plg/index.js';
import type { RegistryStorage } from './storage/types.js';
import type { TokenVerifier } from './tokens/types.js';
import type { DownloadCounterTiming } from './download-counter.js';
import { Signer, type SigningOptions } from './trust/signer.js';
import { UploadMemory } from './upload/memory.js';
import { UploadSlots } from './upload/slots.js';
import type { UploadSpool } from './upload/types.js';

/** Size limits of a published package, in bytes (entries: a count). */
export type RegistryLimits = PlgLimits;

/** Defaults: 10 MiB compressed upload, 10 MiB per file, 20 MiB unpacked, 1000 entries, 64 KiB of plugin.json. */
export const DEFAULT_LIMITS: Readonly<RegistryLimits> = DEFAULT_PLG_LIMITS;

/**
 * How an upload must arrive. The body is received whole (kept in memory up
 * to `memoryBytes`, beyond that in a temp file of the `uploadSpool`) before
 * it is unpacked, so a client that stalls holds no unpacked bytes; these
 * limits bound how long it may hold its slot and how many slots one token
 * may hold.
 */
export interface UploadLimits {
  /** The whole body must arrive within this many milliseconds, or the upload is cut (408 E_UPLOAD_TIMEOUT). */
  timeoutMs: number;
  /** Length of the window of the minimum rate, in milliseconds. */
  windowMs: number;
  /** Bytes the body must bring in every window of `windowMs`, or the upload is cut (408 E_UPLOAD_TIMEOUT). */
  minBytes: number;
  /** Uploads one token may have in flight at once; one more is answered 429 E_TOO_MANY_UPLOADS. */
  perToken: number;
  /** Bytes of one body kept in memory; a larger body goes to a temp file of the `uploadSpool` (when there is one). */
  memoryBytes: number;
  /**
   * Bytes of bodies kept in memory by all uploads together. A body that would
   * pass it goes to the `uploadSpool`; without one, its upload is refused
   * (503 E_UNAVAILABLE, with Retry-After).
   */
  memoryTotalBytes: number;
}

/**
 * Defaults: 60 s for a whole upload (a 10 MiB package needs about 175 KiB/s),
 * at least 16 KiB in every 10 s (a stalled upload is cut within 10 s), 4
 * uploads in flight per token, 64 KiB of a body in memory, 64 MiB of bodies
 * in memory in all.
 */
export const DEFAULT_UPLOAD_LIMITS: Readonly<UploadLimits> = Object.freeze({
  timeoutMs: 60_000,
  windowMs: 10_000,
  minBytes: 16 * 1024,
  perToken: 4,
  memoryBytes: 64 * 1024,
  memoryTotalBytes: 64 * 1024 * 1024,
});

/** One line the registry wants logged: a publish, a yank, or an unexpected error. */
export interface RegistryLogEntry {
  level: 'info' | 'error';
  message: string;
  /** The error behind an `error` entry (never sent to clients). */
  error?: unknown;
}

/** Options of `createRegistry`. */
export interface RegistryOptions {
  /** Where documents and blobs live (createFsStorage, createMemoryStorage, or your own driver). */
  storage: RegistryStorage;
  /** Checks bearer tokens on publish and yank (createFileTokenStore, createMemoryTokenStore). */
  tokens: TokenVerifier;
  /** Package size limits; each one defaults to DEFAULT_LIMITS. */
  limits?: Partial<RegistryLimits>;
  /** How uploads must arrive; each one defaults to DEFAULT_UPLOAD_LIMITS. */
  uploads?: Partial<UploadLimits>;
  /**
   * Where bodies larger than `uploads.memoryBytes` wait until they have all
   * arrived. In Node, pass createFsUploadSpool() (temp files under
   * os.tmpdir(), as `plughub serve` does): an embedded registry does not get
   * one by itself, since the handler stays web-standard. Without one, bodies
   * wait in memory, at most `limits.maxPackageBytes` each and
   * `uploads.memoryTotalBytes` all together; past that, uploads are refused
   * with 503 until memory comes back.
   */
  uploadSpool?: UploadSpool;
  /**
   * The registry's external base URL (`https://plugins.example.com`), used for
   * the `Location` header of a publish. Documents keep blob URLs relative
   * (`/v1/blobs/sha256/<hex>`), so a registry can move without rewriting them.
   */
  publicUrl?: string;
  /**
   * Serve the web pages: search at `/`, a page per plugin at `/plugins/…`
   * (README rendered with marked and sanitize-html, loaded when first
   * needed), owner actions through the API (default true).
   */
  pages?: boolean;
  /** Receives publishes, yanks and unexpected errors; silent when omitted. */
  log?: (entry: RegistryLogEntry) => void;
  /** The clock, for tests; defaults to Date.now. */
  now?: () => number;
  /**
   * Signed metadata (docs/design.md "Trust"): with it, requests that accept
   * `application/vnd.plughub.envelope+json` get signed envelopes and
   * `/v1/keys` is served. Without it, every answer is plain JSON.
   */
  signing?: SigningOptions;
  /**
   * How download counts are batched (mostly for tests): `flushMs`, the
   * longest time counts wait before they go to the storage (default 250);
   * `refreshMs`, the shortest time between two looks at the documents for a
   * bundle the registry does not know yet (default 5000).
   */
  downloadCounting?: Partial<DownloadCounterTiming>;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  storage: RegistryStorage;
  tokens: TokenVerifier;
  limits: RegistryLimits;
  uploads: UploadLimits;
  uploadSpool: UploadSpool | undefined;
  /** The uploads in flight per token. */
  uploadSlots: UploadSlots;
  /** The bytes upload bodies hold in memory, against `uploads.memoryTotalBytes`. */
  uploadMemory: UploadMemory;
  publicUrl: string | undefined;
  /** Whether the web pages are served (`/`, `/plugins/…`, `/assets/…`). */
  pages: boolean;
  log: (entry: RegistryLogEntry) => void;
  now: () => number;
  /** Signs envelopes; undefined when signing is off. */
  signer: Signer | undefined;
}

/** Fills in the defaults and checks the limits are positive integers. */
export function resolveOptions(options: RegistryOptions): ResolvedOptions {
  const limits = positiveIntegers('limits', { ...DEFAULT_LIMITS, ...options.limits });
  const uploads = positiveIntegers('uploads', { ...DEFAULT_UPLOAD_LIMITS, ...options.uploads });
  return {
    storage: options.storage,
    tokens: options.tokens,
    limits,
    uploads,
    uploadSpool: options.uploadSpool,
    uploadSlots: new UploadSlots(uploads.perToken),
    uploadMemory: new UploadMemory(uploads.memoryTotalBytes),
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    pages: options.pages ?? true,
    log: options.log ?? (() => undefined),
    now: options.now ?? Date.now,
    signer: options.signing === undefined ? undefined : new Signer(options.signing, options.now ?? Date.now),
  };
}

function positiveIntegers<T extends object>(what: string, values: T): T {
  for (const [key, value] of Object.entries(values)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`createRegistry: ${what}.${key} must be a positive integer (got ${value})`);
  }
  return values;
}
