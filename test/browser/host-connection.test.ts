/**
 * The browser host's caches share one IndexedDB connection, opened when the
 * host is made (so that the first load finds it open), and a blob read
 * records its last use after the read, in a transaction of its own.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createPluginHost } from '../../src/browser/host.js';
import { createIndexedDbBlobCache } from '../../src/browser/idb-blob-cache.js';
import { computeIntegrity } from '../../src/core/integrity.js';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { publish } from '../core/host/fixture.js';
import { createRegistryDouble } from '../core/registry/double.js';

/** A fake-indexeddb factory that counts the connections opened on it. */
function countingFactory() {
  const real = new IDBFactory();
  let opens = 0;
  let firstOpen!: () => void;
  const opened = new Promise<void>((resolve) => {
    firstOpen = resolve;
  });
  const factory = {
    open: (name: string, version?: number) => {
      opens += 1;
      firstOpen();
      return version === undefined ? real.open(name) : real.open(name, version);
    },
    deleteDatabase: (name: string) => real.deleteDatabase(name),
    databases: () => real.databases(),
    cmp: (a: unknown, b: unknown) => real.cmp(a, b),
  } as unknown as IDBFactory;
  return { factory, opens: () => opens, opened };
}

describe('browser host connection', () => {
  it('opens one connection, as the host is made, for the documents and blobs of its loads, on a database that exists', async () => {
    const registry = createRegistryDouble();
    await publish(registry, 'greeter', '1.0.0', 'export default { execute: () => "hi" };');
    const { factory, opens, opened } = countingFactory();
    await createIndexedDbBlobCache({ indexedDB: factory, IDBKeyRange }).list(); // an earlier visit made the database
    const before = opens();
    const host = createPluginHost({
      registry: createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 0 }),
      indexedDB: factory,
      IDBKeyRange,
      moduleScheme: 'data',
    });
    await opened;
    await host.cache.list();
    expect(opens()).toBe(before + 1);
    await host.load('greeter');
    expect(await host.execute('greeter')).toBe('hi');
    await host.settled(); // the caches are written after the load resolves
    expect(await host.documents.get(registry.url, 'greeter')).toBeDefined();
    expect(await host.cache.list()).toHaveLength(1);
    expect(opens()).toBe(before + 1);
    await host.close();
  });

  it('creates a database that does not exist with the first write, after the load, on the one connection of the host', async () => {
    const registry = createRegistryDouble();
    await publish(registry, 'greeter', '1.0.0', 'export default { execute: () => "hi" };');
    const { factory, opens } = countingFactory();
    const host = createPluginHost({
      registry: createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 0 }),
      indexedDB: factory,
      IDBKeyRange,
      moduleScheme: 'data',
    });
    expect(await host.documents.get(registry.url, 'greeter')).toBeUndefined(); // answered without opening it
    expect(opens()).toBe(0);
    await host.load('greeter');
    expect(await host.execute('greeter')).toBe('hi');
    await host.settled(); // the caches are written after the load resolves
    expect(await host.documents.get(registry.url, 'greeter')).toBeDefined();
    expect(await host.cache.list()).toHaveLength(1);
    expect(opens()).toBe(1);
    await host.close();
  });

  it('records the last use of a blob read, seen by the next list', async () => {
    let clock = 1_000;
    const cache = createIndexedDbBlobCache({ indexedDB: new IDBFactory(), IDBKeyRange, now: () => clock });
    const bytes = new TextEncoder().encode('export default {};');
    const integrity = await computeIntegrity(bytes);
    await cache.put(integrity, bytes);
    clock = 5_000;
    expect(await cache.get(integrity)).toEqual(bytes);
    expect(await cache.list()).toEqual([{ integrity, size: bytes.byteLength, lastUsed: 5_000 }]);
  });

  it('does not bring back the record of a blob deleted right after it was read', async () => {
    const cache = createIndexedDbBlobCache({ indexedDB: new IDBFactory(), IDBKeyRange });
    const bytes = new TextEncoder().encode('export default {};');
    const integrity = await computeIntegrity(bytes);
    await cache.put(integrity, bytes);
    const read = cache.get(integrity);
    const deleted = read.then(() => cache.delete(integrity));
    expect(await read).toEqual(bytes);
    await deleted;
    expect(await cache.list()).toEqual([]);
    expect(await cache.has(integrity)).toBe(false);
  });
});
