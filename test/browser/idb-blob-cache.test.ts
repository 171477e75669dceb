/**
 * The IndexedDB BlobCache under happy-dom with fake-indexeddb: the shared
 * BlobCache contract, plus what only IndexedDB shows — persistence across
 * connections, databases kept apart, last use refreshed by get, and records
 * that are not bytes dropped instead of returned.
 */
import { describe, expect, it } from 'vitest';
import { createIndexedDbBlobCache } from '../../src/browser/idb-blob-cache.js';
import { openCacheStore } from '../../src/browser/idb-store.js';
import { computeIntegrity } from '../../src/core/integrity.js';
import { testBlobCache } from '../contracts/blob-cache.js';
import { freshIndexedDb } from './helpers.js';

testBlobCache('IndexedDB (fake-indexeddb)', async () => {
  let clock = 1_000_000;
  return {
    cache: createIndexedDbBlobCache({ ...freshIndexedDb(), now: () => clock }),
    advance: (ms) => {
      clock += ms;
    },
  };
});

const bytesOf = (text: string) => new TextEncoder().encode(text);

describe('IndexedDB BlobCache', () => {
  it('keeps blobs across connections to the same database', async () => {
    const idb = freshIndexedDb('app');
    const bytes = bytesOf('export default 1;');
    const integrity = await computeIntegrity(bytes);
    await createIndexedDbBlobCache(idb).put(integrity, bytes);
    const reopened = createIndexedDbBlobCache(idb);
    expect(reopened.database).toBe('app');
    expect(await reopened.get(integrity)).toEqual(bytes);
  });

  it('keeps two databases on one origin apart', async () => {
    const idb = freshIndexedDb();
    const one = createIndexedDbBlobCache({ ...idb, database: 'app-one' });
    const two = createIndexedDbBlobCache({ ...idb, database: 'app-two' });
    const bytes = bytesOf('one');
    const integrity = await computeIntegrity(bytes);
    await one.put(integrity, bytes);
    expect(await two.has(integrity)).toBe(false);
    expect(await two.list()).toEqual([]);
    expect(await createIndexedDbBlobCache(idb).list()).toEqual([]); // the default database, 'plughub'
  });

  it('refreshes the last use on get, not on has or list', async () => {
    let clock = 10;
    const cache = createIndexedDbBlobCache({ ...freshIndexedDb(), now: () => clock });
    const bytes = bytesOf('lru');
    const integrity = await computeIntegrity(bytes);
    await cache.put(integrity, bytes);
    clock = 20;
    await cache.has(integrity);
    await cache.list();
    expect((await cache.list())[0]?.lastUsed).toBe(10);
    await cache.get(integrity);
    expect(await cache.list()).toEqual([{ integrity, size: 3, lastUsed: 20 }]);
  });

  it('drops a record that is not bytes and reports it absent', async () => {
    const idb = freshIndexedDb();
    const cache = createIndexedDbBlobCache(idb);
    const bytes = bytesOf('real');
    const integrity = await computeIntegrity(bytes);
    await cache.put(integrity, bytes);
    const store = openCacheStore(idb);
    await store.use('readwrite', (objects) => {
      objects.put('not bytes', ['blob', integrity]);
      return new Promise((resolve) => (objects.transaction.oncomplete = resolve));
    });
    expect(await cache.get(integrity)).toBeUndefined();
    expect(await cache.has(integrity)).toBe(false);
    expect(await cache.list()).toEqual([]);
  });

  it('leaves what is stored unchanged when a put is refused', async () => {
    const cache = createIndexedDbBlobCache(freshIndexedDb());
    const bytes = bytesOf('kept');
    const integrity = await computeIntegrity(bytes);
    await cache.put(integrity, bytes);
    await expect(cache.put(integrity, bytesOf('evil'))).rejects.toMatchObject({ name: 'IntegrityError' });
    expect(new TextDecoder().decode(await cache.get(integrity))).toBe('kept');
  });

  it('adds its store to a database of that name made without it', async () => {
    const idb = freshIndexedDb('shared-name');
    await new Promise<void>((resolve) => {
      const request = idb.indexedDB.open('shared-name');
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
    });
    const cache = createIndexedDbBlobCache(idb);
    const bytes = bytesOf('repaired');
    const integrity = await computeIntegrity(bytes);
    await cache.put(integrity, bytes);
    expect(await cache.has(integrity)).toBe(true);
  });

  it('lets the app delete its database while a cache is connected, and starts afresh', async () => {
    const idb = freshIndexedDb();
    const cache = createIndexedDbBlobCache(idb);
    const bytes = bytesOf('deleted');
    const integrity = await computeIntegrity(bytes);
    await cache.put(integrity, bytes);
    await new Promise<void>((resolve, reject) => {
      const request = idb.indexedDB.deleteDatabase('plughub');
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('deleteDatabase was blocked by an open connection'));
    });
    expect(await cache.has(integrity)).toBe(false);
    await cache.put(integrity, bytes);
    expect(await cache.has(integrity)).toBe(true);
  });

  it('refuses an empty database name', () => {
    expect(() => createIndexedDbBlobCache({ ...freshIndexedDb(), database: '' })).toThrow(/non-empty/);
  });
});
