/**
 * A first visit: the cache store asks `indexedDB.databases()` before it
 * opens (and so creates) its database, and while the database did not exist
 * and nothing was written through the store, the caches answer "not cached"
 * without waiting for the database. A host's load on such a database
 * resolves without waiting for its creation: the caches are written after
 * the load (host.settled waits for them), and another host on the same
 * database meanwhile loads from the registry. Under happy-dom with
 * fake-indexeddb; the factory below holds every open until the test lets it go.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createPluginHost } from '../../src/browser/host.js';
import { createIndexedDbBlobCache } from '../../src/browser/idb-blob-cache.js';
import { createIndexedDbDocumentCache } from '../../src/browser/idb-document-cache.js';
import { openCacheStore } from '../../src/browser/idb-store.js';
import { computeIntegrity } from '../../src/core/integrity.js';
import type { CachedDocument } from '../../src/core/ports.js';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { publish } from '../core/host/fixture.js';
import { createRegistryDouble } from '../core/registry/double.js';

/** The request handlers idb-keyval's promisifyRequest and the store set. */
type Handler = ((event: Event) => void) | null;

/**
 * A fake-indexeddb factory whose opens start only once `release()` is called
 * (the request handed back forwards the real one's events), and that can
 * lack `databases()`, as older browsers do.
 */
function heldFactory(real = new IDBFactory(), options: { databases?: boolean } = {}) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let opens = 0;
  const factory = {
    open(name: string, version?: number) {
      opens += 1;
      const held = {
        onupgradeneeded: null as Handler,
        onsuccess: null as Handler,
        onerror: null as Handler,
        onblocked: null as Handler,
        result: undefined as unknown,
        error: null as DOMException | null,
      };
      void released.then(() => {
        const request = version === undefined ? real.open(name) : real.open(name, version);
        const forward = (key: 'onupgradeneeded' | 'onsuccess' | 'onerror' | 'onblocked') => (event: Event) => {
          held.result = key === 'onerror' ? undefined : request.result;
          held.error = request.error;
          held[key]?.(event);
        };
        request.onupgradeneeded = forward('onupgradeneeded');
        request.onsuccess = forward('onsuccess');
        request.onerror = forward('onerror');
        request.onblocked = forward('onblocked');
      });
      return held as unknown as IDBOpenDBRequest;
    },
    deleteDatabase: (name: string) => real.deleteDatabase(name),
    cmp: (a: unknown, b: unknown) => real.cmp(a, b),
    ...(options.databases === false ? {} : { databases: () => real.databases() }),
  } as unknown as IDBFactory;
  return { factory, release, opens: () => opens };
}

function entry(name: string): CachedDocument {
  return {
    registry: 'https://r.example',
    name,
    document: { name, distTags: { latest: '1.0.0' }, modified: '2024-01-01T00:00:00.000Z', versions: {} },
    fetchedAt: 1234,
  };
}

describe('a cache store on a database that does not exist yet', () => {
  it('answers document and blob reads "not cached" without opening it, and creates it with the first write', async () => {
    const { factory, release, opens } = heldFactory();
    const options = { indexedDB: factory, IDBKeyRange, database: 'first-visit' };
    const store = openCacheStore(options);
    store.connect();
    const documents = createIndexedDbDocumentCache(options, store);
    const blobs = createIndexedDbBlobCache(options, store);
    expect(await documents.get('https://r.example', 'hello')).toBeUndefined();
    expect(await blobs.get('sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toBeUndefined();
    expect(opens()).toBe(0); // nothing to read: the first write creates it
    release();
    await documents.put(entry('hello'));
    expect(opens()).toBe(1);
    expect(await documents.get('https://r.example', 'hello')).toEqual(entry('hello'));
  });

  it('reads from the database once something was written through the store', async () => {
    const { factory, release } = heldFactory();
    release();
    const options = { indexedDB: factory, IDBKeyRange, database: 'written' };
    const store = openCacheStore(options);
    const blobs = createIndexedDbBlobCache(options, store);
    const bytes = new TextEncoder().encode('export default {};');
    const integrity = await computeIntegrity(bytes);
    await blobs.put(integrity, bytes);
    expect(await blobs.get(integrity)).toEqual(bytes);
    expect(await store.knownEmpty()).toBe(false);
  });

  it('reads a database that existed before, as a later visit does', async () => {
    const real = new IDBFactory();
    const earlier = { indexedDB: real, IDBKeyRange, database: 'visited' };
    await createIndexedDbDocumentCache(earlier).put(entry('kept'));
    const { factory, release } = heldFactory(real);
    release();
    const options = { indexedDB: factory, IDBKeyRange, database: 'visited' };
    const store = openCacheStore(options);
    expect(await store.knownEmpty()).toBe(false);
    expect(await createIndexedDbDocumentCache(options, store).get('https://r.example', 'kept')).toEqual(entry('kept'));
  });

  it('reads as before where the factory cannot list its databases', async () => {
    const { factory, release } = heldFactory(new IDBFactory(), { databases: false });
    release();
    const options = { indexedDB: factory, IDBKeyRange, database: 'unlisted' };
    const store = openCacheStore(options);
    expect(await store.knownEmpty()).toBe(false);
    const documents = createIndexedDbDocumentCache(options, store);
    expect(await documents.get('https://r.example', 'absent')).toBeUndefined();
    await documents.put(entry('absent'));
    expect(await documents.get('https://r.example', 'absent')).toEqual(entry('absent'));
  });
});

describe('a browser host on a database that does not exist yet', () => {
  const blobRequests = (requests: Request[]) => requests.filter((request) => new URL(request.url).pathname.startsWith('/v1/blobs/')).length;

  function hosts() {
    const registry = createRegistryDouble();
    const client = createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 0 });
    const { factory, release, opens } = heldFactory();
    const host = () => createPluginHost({ registry: client, indexedDB: factory, IDBKeyRange, database: 'cold', moduleScheme: 'data' });
    return { registry, release, opens, host };
  }

  it('resolves a load while the database cannot be opened yet, and writes the caches after it (settled waits)', async () => {
    const { registry, release, opens, host } = hosts();
    const entry = await publish(registry, 'greeter', '1.0.0', 'export default { execute: () => "hi" };');
    const cold = host();
    // Every open is held: a load that waited for its database (or its cache writes) would never resolve.
    expect(await (await cold.load('greeter')).execute()).toBe('hi');
    let settled = false;
    const writing = cold.settled().then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    release();
    await writing;
    expect(opens()).toBe(1);
    expect(await cold.documents.get(registry.url, 'greeter')).toBeDefined();
    expect((await cold.cache.list()).map((blob) => blob.integrity)).toEqual([entry.dist.integrity]);
    await cold.close();
  });

  it('lets another host on the same database load from the registry while the first one has not written yet, and a later one from the cache', async () => {
    const { registry, release, host } = hosts();
    await publish(registry, 'greeter', '1.0.0', 'export default { execute: () => "hi" };');
    const first = host();
    await first.load('greeter');
    const second = host();
    expect(await (await second.load('greeter')).execute()).toBe('hi');
    expect(blobRequests(registry.requests)).toBe(2);
    release();
    await Promise.all([first.settled(), second.settled()]);
    const third = host();
    expect(await (await third.load('greeter')).execute()).toBe('hi');
    expect(blobRequests(registry.requests)).toBe(2);
    await Promise.all([first.close(), second.close(), third.close()]);
  });
});
