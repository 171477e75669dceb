/**
 * Shared set-up for the browser adapter tests under happy-dom: a private
 * fake-indexeddb factory per test (injected, never patched onto globals) and
 * a browser host wired to the in-memory registry double.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createPluginHost, type BrowserHostOptions } from '../../src/browser/host.js';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { createRegistryDouble } from '../core/registry/double.js';

/** IndexedDB options backed by a fresh, empty fake-indexeddb factory. */
export function freshIndexedDb(database?: string) {
  return { indexedDB: new IDBFactory(), IDBKeyRange, ...(database !== undefined ? { database } : {}) };
}

/**
 * A registry double, one IndexedDB factory, and a factory of browser hosts on
 * it (each host gets its own loader; pass `database` to keep hosts apart).
 * `online = false` makes every request to the registry fail like a network error.
 */
export function browserSetup() {
  const registry = createRegistryDouble();
  const idb = freshIndexedDb();
  let online = true;
  const client = createRegistryClient({
    url: registry.url,
    retry: 0,
    fetch: (input, init) => (online ? registry.fetch(input, init) : Promise.reject(new TypeError('fetch failed: offline'))),
  });
  const host = (options: Omit<BrowserHostOptions, 'registry' | 'indexedDB' | 'IDBKeyRange'> = {}) => createPluginHost({ registry: client, ...idb, ...options });
  return {
    registry,
    idb,
    host,
    setOnline(value: boolean) {
      online = value;
    },
  };
}
