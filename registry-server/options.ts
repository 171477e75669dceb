/**
 * What `createRegistry` takes: the storage driver, the token store, the size
 * limits of an upload, the public URL and a logger. Defaults live here.
 */
import { DEFAULT_PLG_LIMITS, type PlgLimits } from '../src/core/plg/index.js';
import type { RegistryStorage } from './storage/types.js';
import type { TokenVerifier } from './tokens/types.js';
import { Signer, type SigningOptions } from './trust/signer.js';

/** Size limits of a published package, in bytes (entries: a count). */
export type RegistryLimits = PlgLimits;

/** Defaults: 10 MiB compressed upload, 10 MiB per file, 20 MiB unpacked, 1000 entries. */
export const DEFAULT_LIMITS: Readonly<RegistryLimits> = DEFAULT_PLG_LIMITS;

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
  /** Upload limits; each one defaults to DEFAULT_LIMITS. */
  limits?: Partial<RegistryLimits>;
  /**
   * The registry's external base URL (`https://plugins.example.com`), used for
   * the `Location` header of a publish. Documents keep blob URLs relative
   * (`/v1/blobs/sha256/<hex>`), so a registry can move without rewriting them.
   */
  publicUrl?: string;
  /** Receives publishes, yanks and unexpected errors; silent when omitted. */
  log?: (entry: RegistryLogEntry) => void;
  /** The clock, for tests; defaults to Date.now. */
  now?: () => number;
  /**
   * Signed metadata (DESIGN.md "Trust"): with it, requests that accept
   * `application/vnd.plughub.envelope+json` get signed envelopes and
   * `/v1/keys` is served. Without it, every answer is plain JSON.
   */
  signing?: SigningOptions;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  storage: RegistryStorage;
  tokens: TokenVerifier;
  limits: RegistryLimits;
  publicUrl: string | undefined;
  log: (entry: RegistryLogEntry) => void;
  now: () => number;
  /** Signs envelopes; undefined when signing is off. */
  signer: Signer | undefined;
}

/** Fills in the defaults and checks the limits are positive integers. */
export function resolveOptions(options: RegistryOptions): ResolvedOptions {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`createRegistry: limits.${key} must be a positive integer (got ${value})`);
  }
  return {
    storage: options.storage,
    tokens: options.tokens,
    limits,
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    log: options.log ?? (() => undefined),
    now: options.now ?? Date.now,
    signer: options.signing === undefined ? undefined : new Signer(options.signing, options.now ?? Date.now),
  };
}
