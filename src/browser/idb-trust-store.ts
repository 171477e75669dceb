/**
 * A TrustStore in the browser caches' IndexedDB database: the highest
 * version seen under `['trust-version', registry, key]` and the trusted key
 * set under `['trust-keys', registryUrl]`. A raise reads and writes in one
 * readwrite transaction, so two tabs cannot lower each other's version.
 */
import type { TrustedKeySet, TrustStore } from '../core/ports.js';
import { openCacheStore, whenDone, type IndexedDbOptions } from './idb-store.js';

/** The IndexedDB TrustStore, with the name of the database it uses. */
export interface IndexedDbTrustStore extends TrustStore {
  readonly database: string;
}

/**
 * Creates a TrustStore in the IndexedDB database `options.database` (default `plughub`).
 *
 * @example
 * const trustStore = createIndexedDbTrustStore({ database: 'my-app' });
 */
export function createIndexedDbTrustStore(options: IndexedDbOptions = {}): IndexedDbTrustStore {
  const store = openCacheStore(options);
  const versionKey = (registry: string, key: string) => ['trust-version', registry, key];
  const keysKey = (url: string) => ['trust-keys', url];

  return {
    database: store.database,

    getVersion(registry, key) {
      return store.use('readonly', (objects) => {
        const request = objects.get(versionKey(registry, key));
        return whenDone(objects, () => (Number.isSafeInteger(request.result) ? (request.result as number) : undefined));
      });
    },

    raiseVersion(registry, key, version) {
      return store.use('readwrite', (objects) => {
        const request = objects.get(versionKey(registry, key));
        request.onsuccess = () => {
          const current: unknown = request.result;
          if (!Number.isSafeInteger(current) || (current as number) < version) objects.put(version, versionKey(registry, key));
        };
        return whenDone(objects, () => undefined);
      });
    },

    getKeys(url) {
      return store.use('readonly', (objects) => {
        const request = objects.get(keysKey(url));
        return whenDone(objects, () => {
          const set = request.result as TrustedKeySet | undefined;
          return set && Array.isArray(set.keys) && typeof set.anchor === 'string' ? set : undefined;
        });
      });
    },

    putKeys(url, set) {
      return store.use('readwrite', (objects) => {
        objects.put(structuredClone(set), keysKey(url));
        return whenDone(objects, () => undefined);
      });
    },
  };
}
