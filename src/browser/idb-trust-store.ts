/**
 * A TrustStore in the browser caches' IndexedDB database: the highest
 * version seen under `['trust-version', registry, key]` and the keys
 * envelopes of the rotation followed under `['trust-key-chain',
 * registryUrl]`. A raise reads and writes in one readwrite transaction, so
 * two tabs cannot lower each other's version. Any script of the origin can
 * write this database, so nothing read from it is trusted by itself: a
 * record that is not a key chain counts as absent, and the trust guard
 * verifies a chain from the host's configured `trustedKeys` every time it
 * reads it (src/core/trust/trust-guard.ts). Key sets written by earlier
 * versions under `['trust-keys', url]` are not read.
 */
import type { TrustStore } from '../core/ports.js';
import { decodeStoredKeyChain } from '../core/trust/index.js';
import { openCacheStore, whenDone, type CacheStore, type IndexedDbOptions } from './idb-store.js';

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
export function createIndexedDbTrustStore(options: IndexedDbOptions = {}, store: CacheStore = openCacheStore(options)): IndexedDbTrustStore {
  const versionKey = (registry: string, key: string) => ['trust-version', registry, key];
  const chainKey = (url: string) => ['trust-key-chain', url];

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

    getKeyChain(url) {
      return store.use('readonly', (objects) => {
        const request = objects.get(chainKey(url));
        return whenDone(objects, () => decodeStoredKeyChain(request.result));
      });
    },

    putKeyChain(url, chain) {
      return store.use('readwrite', (objects) => {
        objects.put(structuredClone(chain), chainKey(url));
        return whenDone(objects, () => undefined);
      });
    },
  };
}
