/**
 * A BlobStore that keeps recently read blobs in process memory. Blobs are
 * content-addressed and never change, so a cached copy is never stale and
 * needs no notification across servers: only reads fill the cache (a put
 * may still roll back with its transaction), and a delete drops the entry
 * here (another server's copy is of a blob no document refers to any more).
 */
import { SizedLru } from '../storage/lru.js';
import type { BlobStore } from './blobs.js';

/** Default bytes of blobs kept in memory, as the filesystem driver keeps. */
export const DEFAULT_PG_BLOB_CACHE_BYTES = 64 * 1024 * 1024;

/** `store` behind a least-recently-used cache of `maxBytes` of blobs read. */
export function cachedBlobStore(store: BlobStore, maxBytes: number = DEFAULT_PG_BLOB_CACHE_BYTES): BlobStore {
  const cache = new SizedLru<Uint8Array>(maxBytes, (bytes) => bytes.byteLength);
  return {
    async get(algorithm, hex) {
      const cached = cache.get(hex);
      if (cached !== undefined) return cached;
      const bytes = await store.get(algorithm, hex);
      if (bytes !== undefined) cache.set(hex, bytes);
      return bytes;
    },
    put: (algorithm, hex, bytes) => store.put(algorithm, hex, bytes),
    list: () => store.list(),
    async delete(algorithm, hex, storedBefore) {
      const deleted = await store.delete(algorithm, hex, storedBefore);
      if (deleted) cache.delete(hex);
      return deleted;
    },
  };
}
