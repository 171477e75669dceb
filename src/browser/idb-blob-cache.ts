/**
 * A BlobCache in IndexedDB (idb-keyval custom store). Bundles are stored
 * under `['blob', integrity]` and their size and last use under
 * `['blob-info', integrity]`; both records are written and removed in one
 * transaction, so a reader sees a whole entry or none. `put` copies and
 * verifies the bytes before the transaction opens and stores nothing when
 * they do not match. `get` refreshes the last use (for LRU pruning) in the
 * same transaction that reads the bytes; a record that is not bytes (written
 * by something else) is dropped and reported absent. The host verifies bytes
 * again before importing them and downloads a corrupted entry afresh.
 */
import { verifyIntegrity } from '../core/integrity.js';
import { selectForPrune } from '../core/memory.js';
import type { BlobCache, CachedBlobInfo, PruneResult } from '../core/ports.js';
import { openCacheStore, whenDone, type IndexedDbOptions } from './idb-store.js';

/** Options of createIndexedDbBlobCache. */
export interface IndexedDbBlobCacheOptions extends IndexedDbOptions {
  /** The clock used for last-use times; default Date.now (tests move it). */
  now?: () => number;
}

/** The IndexedDB BlobCache, with the name of the database it uses. */
export interface IndexedDbBlobCache extends BlobCache {
  readonly database: string;
}

const BLOB = 'blob';
const INFO = 'blob-info';

/** The bytes of a stored value, or undefined when it is not bytes. */
function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  // Values cloned by another realm's IndexedDB (fake-indexeddb, iframes) fail instanceof.
  if (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]') {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return undefined;
}

function asInfo(value: unknown): CachedBlobInfo | undefined {
  const info = value as Partial<CachedBlobInfo> | undefined;
  if (!info || typeof info.integrity !== 'string' || typeof info.size !== 'number' || typeof info.lastUsed !== 'number') {
    return undefined;
  }
  return { integrity: info.integrity, size: info.size, lastUsed: info.lastUsed };
}

/**
 * Creates a BlobCache in the IndexedDB database `options.database` (default `plughub`).
 *
 * @example
 * const cache = createIndexedDbBlobCache({ database: 'my-app' });
 * await cache.prune({ maxBytes: 20 * 1024 * 1024 });
 */
export function createIndexedDbBlobCache(options: IndexedDbBlobCacheOptions = {}): IndexedDbBlobCache {
  const now = options.now ?? (() => Date.now());
  const store = openCacheStore(options);

  return {
    database: store.database,

    get(integrity) {
      return store.use('readwrite', (objects) => {
        const blobRequest = objects.get([BLOB, integrity]);
        const infoRequest = objects.get([INFO, integrity]);
        let found: Uint8Array | undefined;
        infoRequest.onsuccess = () => {
          // Requests complete in order: the blob's result is there already.
          found = asBytes(blobRequest.result);
          if (found) {
            objects.put({ integrity, size: found.byteLength, lastUsed: now() } satisfies CachedBlobInfo, [INFO, integrity]);
          } else if (blobRequest.result !== undefined || infoRequest.result !== undefined) {
            objects.delete([BLOB, integrity]);
            objects.delete([INFO, integrity]);
          }
        };
        return whenDone(objects, () => found);
      });
    },

    async put(integrity, bytes) {
      const copy = bytes.slice();
      await verifyIntegrity(copy, integrity);
      const info: CachedBlobInfo = { integrity, size: copy.byteLength, lastUsed: now() };
      await store.use('readwrite', (objects) => {
        objects.put(copy, [BLOB, integrity]);
        objects.put(info, [INFO, integrity]);
        return whenDone(objects, () => undefined);
      });
    },

    has(integrity) {
      return store.use('readonly', (objects) => {
        const request = objects.count([BLOB, integrity]);
        return whenDone(objects, () => request.result > 0);
      });
    },

    delete(integrity) {
      return store.use('readwrite', (objects) => {
        objects.delete([BLOB, integrity]);
        objects.delete([INFO, integrity]);
        return whenDone(objects, () => undefined);
      });
    },

    list() {
      return store.use('readonly', (objects) => {
        const request = objects.getAll(store.kindRange(INFO));
        return whenDone(objects, () => request.result.map(asInfo).filter((info) => info !== undefined));
      });
    },

    /** Lists and removes in one transaction, so a blob used meanwhile is judged by its new last use. */
    prune({ maxBytes }) {
      return store.use('readwrite', (objects) => {
        const result: PruneResult = { removed: [], freedBytes: 0 };
        const request = objects.getAll(store.kindRange(INFO));
        request.onsuccess = () => {
          const entries = request.result.map(asInfo).filter((info) => info !== undefined);
          for (const victim of selectForPrune(entries, maxBytes)) {
            objects.delete([BLOB, victim.integrity]);
            objects.delete([INFO, victim.integrity]);
            result.removed.push(victim.integrity);
            result.freedBytes += victim.size;
          }
        };
        return whenDone(objects, () => result);
      });
    },
  };
}
