/**
 * The interfaces that platform adapters implement. Core code talks only to
 * these; `src/node` and `src/browser` supply filesystem / IndexedDB caches and
 * file-URL / blob-URL loaders, and the entry files inject them.
 */
import type { PluginDocument } from './registry/document.js';
import type { Envelope } from './trust/envelope.js';

/** What a BlobCache knows of one stored blob. */
export interface CachedBlobInfo {
  /** The SRI string the blob is stored under (e.g. `sha256-…`). */
  integrity: string;
  size: number;
  /** Epoch ms of the last `get` or `put`. */
  lastUsed: number;
}

/** What `prune` removed. */
export interface PruneResult {
  removed: string[];
  freedBytes: number;
}

/**
 * A content-addressed store of plugin bundles, keyed by integrity string.
 * `put` verifies the bytes against the integrity and stores nothing when they
 * do not match (it throws IntegrityError). Writes are atomic: a reader sees the
 * whole blob or none.
 */
export interface BlobCache {
  get(integrity: string): Promise<Uint8Array | undefined>;
  put(integrity: string, bytes: Uint8Array): Promise<void>;
  has(integrity: string): Promise<boolean>;
  delete(integrity: string): Promise<void>;
  list(): Promise<CachedBlobInfo[]>;
  /** Removes least recently used blobs until the total is at most `maxBytes`. */
  prune(options: { maxBytes: number }): Promise<PruneResult>;
  /** A URL the platform's loader may import the stored blob from, when it has one (a file: URL in Node). */
  locate?(integrity: string): Promise<string | undefined>;
  /**
   * The URL the cache keeps a blob under, stored or not yet (a file: URL in
   * Node), when it has such URLs: it tells the loader that the host runs on
   * a disk cache, where writing files is expected. A loader never reads the
   * bytes from it: the host may still be writing them there (the write runs
   * beside the import), and a shared cache can be rewritten by others.
   */
  urlOf?(integrity: string): string;
}

/** A registry document as last fetched, with what is needed to revalidate it. */
export interface CachedDocument {
  /** Base URL of the registry the document came from. */
  registry: string;
  name: string;
  document: PluginDocument;
  etag?: string;
  /**
   * The signed envelope the document came in, when the host verifies
   * signatures: kept so that a revalidation (304) or an offline load
   * verifies it again (signature, expiry, rollback) instead of trusting the
   * bare document.
   */
  envelope?: Envelope;
  /** Epoch ms of the last successful fetch or revalidation. */
  fetchedAt: number;
  /**
   * Epoch ms until which the registry said the document is fresh (its
   * Cache-Control max-age, registry/freshness.ts): until then a load uses
   * it without asking the registry. Absent: revalidate before every use.
   */
  freshUntil?: number;
}

/** Stores registry documents per registry and name, for conditional requests and offline use. */
export interface DocumentCache {
  get(registry: string, name: string): Promise<CachedDocument | undefined>;
  put(entry: CachedDocument): Promise<void>;
  delete(registry: string, name: string): Promise<void>;
}

/**
 * The key rotation a host followed for one registry URL, as it stores it:
 * the keys envelopes it applied, in order, from the `trustedKeys` it was
 * configured with. Stored data is never trusted as it is: the host verifies
 * the chain again from its configured keys every time it reads it (each
 * envelope signed by the set trusted before it), and ignores a chain that
 * does not verify, so whoever can write the store cannot add a key.
 */
export interface StoredKeyChain {
  /** Fingerprint of the configured trustedKeys and threshold the chain starts from (a new configuration starts over). */
  anchor: string;
  /** The registry identity pinned at the first verified document, when the host did not name one. */
  registry?: string;
  /** The keys envelopes applied, oldest first; empty when only the registry identity is pinned. */
  envelopes: Envelope[];
}

/**
 * What a host remembers about signed registry metadata across restarts: the
 * highest `version` seen per registry identity and document key (`document
 * <name>`, `list`), so that an older document is refused as a rollback;
 * the highest keys version seen, kept under the registry URL (key `keys`),
 * which a stored key chain must reach; and the key rotation followed per
 * registry URL. Neither can make
 * the host accept what its trusted keys did not sign: the chain is verified
 * again on every read, and a version seen only ever refuses (one lowered or
 * removed by a writer of the store re-opens the replay of metadata the keys
 * did sign, until its `expires`).
 */
export interface TrustStore {
  /** The highest version recorded for `key` of registry identity `registry`. */
  getVersion(registry: string, key: string): Promise<number | undefined>;
  /** Records `version` unless a higher one is stored already (never lowers it). */
  raiseVersion(registry: string, key: string, version: number): Promise<void>;
  /** The stored key chain of `registryUrl`, unverified; undefined when there is none or it is unreadable. */
  getKeyChain(registryUrl: string): Promise<StoredKeyChain | undefined>;
  putKeyChain(registryUrl: string, chain: StoredKeyChain): Promise<void>;
}

/** Verified bytes of one plugin version, ready to be imported. */
export interface ModuleSource {
  name: string;
  version: string;
  integrity: string;
  bytes: Uint8Array;
  /** The cache's URL for these bytes (BlobCache.urlOf), when it has one; never read the bytes from it (they may not be written yet). */
  url?: string;
}

/** A module namespace object as `import()` returns it. */
export type ModuleNamespace = Record<string, unknown>;

/**
 * Turns verified bytes into a module namespace. The same integrity imported
 * twice gives the same namespace; different bytes give a new module.
 */
export interface ModuleLoader {
  import(source: ModuleSource): Promise<ModuleNamespace>;
  /** Forgets a module so that its memory can be reclaimed once nothing else holds it. */
  release?(integrity: string): void;
}

/** A `fetch`-compatible function: the registry client and host take one by injection. */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
