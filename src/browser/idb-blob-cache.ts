/**
 * A BlobCache in IndexedDB (idb-keyval custom store). Bundles are stored
 * under `['blob', integrity]` and their size and last use under
 * `['blob-info', integrity]`; both records are written and removed in one
 * transaction, so a reader sees a whole entry or none. `put` copies and
 * verifies the bytes before the transaction opens and stores nothing when
 * they do not match. `get` reads in a read-only transaction and refreshes
 * the last use (for LRU pruning) in a write transaction it does not wait
 * for; a record that is not bytes (written by something else) is reported
 * absent and dropped the same way. The host verifies bytes
 * again before importing them and downloads a corrupted entry afresh.
 */
import { verifyIntegrity } from '../core/integrity.js';
import { selectForPrune } from '../core/memory.js';
import type { BlobCache, CachedBlobInfo, PruneResult } from '../core/ports.js';
import { openCacheStore, whenDone, type CacheStore, type IndexedDbOptions } from './idb-store.js';

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
 * Creates a BlobCache in the IndexedDB database `options.database` (default
 * `plughub`), on its own connection or on `store`, one a host shares among
 * its caches.
 *
 * @example
 * const cache = createIndexedDbBlobCache({ database: 'my-app' });
 * await cache.prune({ maxBytes: 20 * 1024 * 1024 });
 */
export function createIndexedDbBlobCache(options: IndexedDbBlobCacheOptions = {}, store: CacheStore = openCacheStore(options)): IndexedDbBlobCache {
  const now = options.now ?? (() => Date.now());

  /**
   * After a read of `integrity`, in a transaction of its own that the
   * reader does not wait for (transactions run in order, so a later list or
   * prune sees it): records the use when bytes of `size` were found, else
   * drops records that are not bytes. Each is decided again inside that
   * transaction, so a put or delete in between is never undone. A failure
   * only leaves the last use older.
   */
  function afterRead(integrity: string, size: number | undefined): void {
    store
      .use('readwrite', (objects) => {
        if (size !== undefined) {
          const count = objects.count([BLOB, integrity]);
          count.onsuccess = () => {
            if (count.result > 0) objects.put({ integrity, size, lastUsed: now() } satisfies CachedBlobInfo, [INFO, integrity]);
          };
        } else {
          const request = objects.get([BLOB, integrity]);
          request.onsuccess = () => {
            if (asBytes(request.result)) return;
            objects.delete([BLOB, integrity]);
            objects.delete([INFO, integrity]);
          };
        }
        return whenDone(objects, () => undefined);
      })
      .catch(() => undefined);
  }

  return {
    database: store.database,

    async get(integrity) {
      if (await store.knownEmpty()) return undefined;
      const [stored, info] = await store.use('readonly', (objects) => {
        const blobRequest = objects.get([BLOB, integrity]);
        const infoRequest = objects.get([INFO, integrity]);
        return whenDone(objects, () => [blobRequest.result as unknown, infoRequest.result as unknown] as const);
      });
      const found = asBytes(stored);
      if (found) afterRead(integrity, found.byteLength);
      else if (stored !== undefined || info !== undefined) afterRead(integrity, undefined);
      return found;
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
