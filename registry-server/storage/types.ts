/**
 * The storage driver interface of the registry: plugin documents (one per
 * plugin name, changed only by read-modify-write under an exclusive lock) and
 * content-addressed blobs. Every driver passes the same contract suite
 * (test/registry-server/storage-contract.ts); the memory and filesystem drivers ship
 * with plughub.
 */
import type { PluginDocument, PluginSummary } from '../../src/core/registry/index.js';

/** A stored document as served: its serialized bytes and the ETag derived from them. */
export interface DocumentSnapshot {
  /** The document as JSON (UTF-8), exactly the bytes GET /v1/plugins/:name answers with. */
  bytes: Uint8Array;
  /** A strong, quoted ETag that changes whenever the bytes do. */
  etag: string;
}

/**
 * A document already serialized by the caller (with `prepareDocument`), so
 * that it can check the bytes before it stores anything else: the driver
 * stores exactly `snapshot.bytes`.
 */
export interface PreparedDocument {
  document: PluginDocument;
  snapshot: DocumentSnapshot;
  /**
   * Blobs the document refers to, stored (as `putBlob` stores them) before
   * the document is committed; a driver may write them while it writes the
   * document, so that a publish waits for one flush instead of two. If one
   * cannot be stored, the document is left as it was.
   */
  blobs?: readonly BlobToStore[];
}

/** A blob to store with a document (see PreparedDocument.blobs). */
export interface BlobToStore {
  algorithm: 'sha256';
  hex: string;
  bytes: Uint8Array;
}

/**
 * Computes the next document from the current one (undefined: the plugin has
 * no document yet). Returning undefined leaves the document as it is;
 * throwing leaves it as it is and the error propagates. The blobs the new
 * document refers to go with it (PreparedDocument.blobs), or are stored with
 * `putBlob` before it returns; it should serialize the document first
 * (return a PreparedDocument), so that a document that cannot be stored
 * leaves no blob behind. `current` may be the very object a driver keeps
 * for its next change: build a new document, never modify it.
 */
export type DocumentChange = (
  current: PluginDocument | undefined,
) => Promise<PluginDocument | PreparedDocument | undefined> | PluginDocument | PreparedDocument | undefined;

/** A stored blob, as garbage collection sees it. */
export interface StoredBlob {
  algorithm: 'sha256';
  hex: string;
  size: number;
  /** When it was last stored (written, or stored again by `putBlob`), in ms since the epoch. */
  storedAt: number;
}

/** Downloads of one version to add to the stored counts. */
export interface DownloadIncrement {
  name: string;
  version: string;
  /** A positive integer. */
  count: number;
}

/** The download counts of one plugin. */
export interface DownloadCounts {
  /** Downloads by version, since the counts began. */
  versions: Record<string, number>;
  /** Downloads by UTC day (`YYYY-MM-DD`), for the last DOWNLOAD_DAYS (30) days at most. */
  days: Record<string, number>;
}

/** A place where the registry keeps its documents, blobs and download counts. */
export interface RegistryStorage {
  /** The driver's name, for messages (`memory`, `fs`). */
  readonly driver: string;

  /**
   * The document of a plugin, or undefined when none was published. A driver
   * that caches may answer from its cache; a change made through this driver
   * object is always seen at once, one made by another process sharing the
   * storage within the driver's documented delay. With `fresh`, the stored
   * document is checked (no delay).
   */
  getDocument(name: string, options?: { fresh?: boolean }): Promise<DocumentSnapshot | undefined>;

  /**
   * The document getDocument(name) would resolve to now, when the driver
   * holds it in memory and may serve it without a look at the store (a
   * cache entry still within the driver's documented delay); undefined
   * otherwise — not held, due for a check, or a driver without such a
   * cache. Never reads nor throws: the read path asks it to answer a hot
   * GET at once, and asks getDocument when it says undefined.
   */
  peekDocument?(name: string): DocumentSnapshot | undefined;

  /**
   * Changes one plugin's document atomically: `change` runs while an
   * exclusive lock on `name` is held — across processes for drivers that can
   * be shared — and its result becomes visible all at once or not at all.
   * Resolves to the document after the change (the current one when
   * `change` returned undefined; undefined when there is still none).
   */
  updateDocument(name: string, change: DocumentChange): Promise<DocumentSnapshot | undefined>;

  /** The bytes of a blob, or undefined. `algorithm` is `sha256`, `hex` its lowercase digest. */
  getBlob(algorithm: string, hex: string): Promise<Uint8Array | undefined>;

  /** The bytes of a blob when the driver holds them in memory; undefined otherwise (then ask getBlob). Never reads nor throws. */
  peekBlob?(algorithm: string, hex: string): Uint8Array | undefined;

  /**
   * Stores a blob under its digest (the caller computed it). Idempotent and
   * atomic: a reader sees the whole blob or none. Storing a blob that is
   * already there renews its `storedAt`, so that garbage collection leaves
   * it alone while the document that will refer to it is committed.
   */
  putBlob(algorithm: string, hex: string, bytes: Uint8Array): Promise<void>;

  /** Every stored blob (for garbage collection; see storage/gc.ts). */
  listBlobs(): Promise<StoredBlob[]>;

  /**
   * Deletes a blob if it was last stored before `storedBefore` (ms since the
   * epoch); resolves to true when it did. Atomic with respect to `putBlob` of
   * the same blob: that either renews the blob first (then it stays) or
   * stores it again after the deletion.
   */
  deleteBlob(algorithm: string, hex: string, storedBefore: number): Promise<boolean>;

  /**
   * Every stored document as its raw bytes, read from the storage itself (no
   * cache, no index, whatever its name), for garbage collection. Rejects when
   * a document exists but cannot be read.
   */
  eachDocument(): AsyncIterable<{ name: string; bytes: Uint8Array }>;

  /**
   * Every plugin's summary, sorted by name (kept in an index: no document is
   * read). While nothing changed, a driver should resolve to the same array
   * (callers must not change it): the signer lays the signed list out again
   * whenever it gets another one.
   */
  listPlugins(): Promise<PluginSummary[]>;

  /**
   * Adds download counts, each on the UTC day of `at` (ms since the epoch).
   * A driver may batch them (the fs driver writes them every
   * `downloadsFlushMs`): once added they are part of `getDownloads` in this
   * driver object at once, and durable once `flushDownloads` resolved.
   * Rejects with a TypeError, adding nothing, when an increment has an
   * invalid name, version or count.
   */
  addDownloads(increments: readonly DownloadIncrement[], at: number): Promise<void>;

  /**
   * The download counts of a plugin (empty when it has none), with what this
   * driver object added but has not flushed; other processes' counts once
   * they flushed them. Days older than the 30-day window of the newest count
   * are gone; days are not pruned on read (the caller filters by its clock).
   */
  getDownloads(name: string): Promise<DownloadCounts>;

  /** Makes every count added so far durable; resolves when it is (immediately for a driver that does not batch). */
  flushDownloads(): Promise<void>;

  /** Resolves when the storage can be read and written; rejects with the reason otherwise. */
  check(): Promise<void>;

  /** Releases what the driver holds (caches, watchers), flushing the download counts first. */
  close(): Promise<void>;
}
