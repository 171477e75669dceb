/**
 * A DocumentCache in IndexedDB: one record per registry and plugin name under
 * `['document', registry, name]`, holding the document, its ETag and when it
 * was fetched. It lets the host revalidate with If-None-Match and load cached
 * plugins while the registry is unreachable. A record that does not read back
 * as a valid cached document of that registry and name is removed and
 * reported absent: the next fetch replaces it. A signed document keeps its
 * envelope, which the host verifies again on use.
 */
import { cachedDocumentRecord, decodeCachedDocument } from '../core/registry/index.js';
import type { CachedDocument, DocumentCache } from '../core/ports.js';
import { openCacheStore, whenDone, type CacheStore, type IndexedDbOptions } from './idb-store.js';

/** The IndexedDB DocumentCache, with the name of the database it uses. */
export interface IndexedDbDocumentCache extends DocumentCache {
  readonly database: string;
}

const DOCUMENT = 'document';

/** A stored record as a cached document, or undefined when it is not one of `registry` and `name`. */
function decode(value: unknown, registry: string, name: string): CachedDocument | undefined {
  return decodeCachedDocument(value, registry, name);
}

/**
 * Creates a DocumentCache in the IndexedDB database `options.database`
 * (default `plughub`), on its own connection or on `store`, one a host
 * shares among its caches.
 *
 * @example
 * const documents = createIndexedDbDocumentCache({ database: 'my-app' });
 * const cached = await documents.get('https://plugins.example', 'hello');
 */
export function createIndexedDbDocumentCache(options: IndexedDbOptions = {}, store: CacheStore = openCacheStore(options)): IndexedDbDocumentCache {
  const key = (registry: string, name: string) => [DOCUMENT, registry, name];
  const remove = (registry: string, name: string) =>
    store.use('readwrite', (objects) => {
      objects.delete(key(registry, name));
      return whenDone(objects, () => undefined);
    });

  return {
    database: store.database,

    async get(registry, name) {
      if (await store.knownEmpty()) return undefined;
      const stored = await store.use('readonly', (objects) => {
        const request = objects.get(key(registry, name));
        return whenDone(objects, () => request.result as unknown);
      });
      const entry = decode(stored, registry, name);
      if (!entry && stored !== undefined) await remove(registry, name);
      return entry;
    },

    put(entry) {
      const stored = cachedDocumentRecord(entry);
      return store.use('readwrite', (objects) => {
        objects.put(stored, key(entry.registry, entry.name));
        return whenDone(objects, () => undefined);
      });
    },

    delete: remove,
  };
}
