/**
 * Garbage collection of blobs: deletes the blobs no plugin document refers
 * to — left by a publish that crashed between storing its blob and
 * committing its document, or by data from before publishes were checked
 * before their first write. It is safe to run while servers publish on the
 * same storage, by three rules:
 *
 * - A blob stored (or stored again: `putBlob` renews a blob it finds)
 *   within the last `graceMs` is kept, referenced or not. A publish stores
 *   its blob and commits its document under the plugin's lock, seconds
 *   apart, so a blob in flight is always within the grace period.
 * - Blobs are listed first, and documents are read afterwards, from the
 *   storage itself (no cache, no index): a document committed before the
 *   scan is seen; one committed after it stored its blob after the listing
 *   or renewed it, which the next rule catches.
 * - `deleteBlob` deletes only a blob still stored before the cutoff, atomically
 *   with `putBlob` of the same blob (fs-blobs.ts: both hold the blob's
 *   mutex, in the one process that holds the data directory's write lease).
 *
 * A blob counts as referenced when its hex digest appears anywhere in any
 * document's bytes (a document's `dist.url` is `/v1/blobs/sha256/<hex>`), so
 * a document that does not parse still protects the blobs it names. A
 * document that cannot be read at all stops the collection before anything
 * is deleted.
 */
import type { RegistryStorage } from './types.js';

/** Options of collectGarbage. */
export interface GarbageCollectionOptions {
  /** Blobs stored less than this long ago are kept, referenced or not (ms; default 1 hour). */
  graceMs?: number;
  /** Find the garbage but delete nothing. */
  dryRun?: boolean;
  /** The clock (default Date.now). */
  now?: () => number;
}

/** What a collection found and did. */
export interface GarbageCollectionResult {
  /** Blobs in storage when the collection began. */
  blobs: number;
  /** Documents scanned for references. */
  documents: number;
  /** Hex digests of the blobs deleted (with `dryRun`: that would be), sorted. */
  deleted: string[];
  /** Their total size in bytes. */
  bytes: number;
  /** Blobs no document refers to that were kept because they were stored within the grace period. */
  recent: number;
}

/** Default grace period: one hour. */
export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;

const BLOB_HEX = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;
const decoder = new TextDecoder();

/**
 * Deletes the blobs that no document refers to and that were stored more
 * than `graceMs` ago; see the module comment for why this is safe while
 * serving.
 * @example
 * const { deleted, bytes } = await collectGarbage(createFsStorage('./plughub-data'));
 */
export async function collectGarbage(storage: RegistryStorage, options: GarbageCollectionOptions = {}): Promise<GarbageCollectionResult> {
  const graceMs = options.graceMs ?? DEFAULT_GC_GRACE_MS;
  if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new RangeError(`collectGarbage: graceMs must be a non-negative integer (got ${graceMs})`);
  const cutoff = (options.now ?? Date.now)() - graceMs;
  const blobs = await storage.listBlobs();
  const referenced = new Set<string>();
  let documents = 0;
  for await (const { bytes } of storage.eachDocument()) {
    documents++;
    for (const match of decoder.decode(bytes).matchAll(BLOB_HEX)) referenced.add(match[0]);
  }
  const result: GarbageCollectionResult = { blobs: blobs.length, documents, deleted: [], bytes: 0, recent: 0 };
  for (const blob of blobs) {
    if (referenced.has(blob.hex)) continue;
    if (blob.storedAt >= cutoff) {
      result.recent++;
      continue;
    }
    if (options.dryRun === true || (await storage.deleteBlob(blob.algorithm, blob.hex, cutoff))) {
      result.deleted.push(blob.hex);
      result.bytes += blob.size;
    }
  }
  result.deleted.sort();
  return result;
}
