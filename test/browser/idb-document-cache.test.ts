/**
 * The IndexedDB DocumentCache under happy-dom with fake-indexeddb: entries
 * per registry and name with their ETag, copies in and out, and records that
 * do not read back as a cached document removed.
 */
import { describe, expect, it } from 'vitest';
import { createIndexedDbDocumentCache } from '../../src/browser/idb-document-cache.js';
import { openCacheStore } from '../../src/browser/idb-store.js';
import type { CachedDocument } from '../../src/core/ports.js';
import { freshIndexedDb } from './helpers.js';

function entry(registry: string, name: string, etag?: string): CachedDocument {
  return {
    registry,
    name,
    document: { name, distTags: { latest: '1.0.0' }, modified: '2024-01-01T00:00:00.000Z', versions: {} },
    ...(etag ? { etag } : {}),
    fetchedAt: 1234,
  };
}

describe('IndexedDB DocumentCache', () => {
  it('stores documents with their ETag per registry and name', async () => {
    const documents = createIndexedDbDocumentCache(freshIndexedDb());
    await documents.put(entry('https://a.example', 'hello', '"v1"'));
    await documents.put(entry('https://b.example', 'hello'));
    expect(await documents.get('https://a.example', 'hello')).toEqual(entry('https://a.example', 'hello', '"v1"'));
    expect((await documents.get('https://b.example', 'hello'))?.etag).toBeUndefined();
    expect(await documents.get('https://a.example', 'other')).toBeUndefined();
    await documents.delete('https://a.example', 'hello');
    expect(await documents.get('https://a.example', 'hello')).toBeUndefined();
    expect(await documents.get('https://b.example', 'hello')).toBeDefined();
  });

  it('hands out copies', async () => {
    const documents = createIndexedDbDocumentCache(freshIndexedDb());
    const stored = entry('https://a.example', 'hello');
    await documents.put(stored);
    stored.document.distTags.latest = '9.9.9';
    const first = (await documents.get('https://a.example', 'hello'))!;
    first.document.distTags.latest = '8.8.8';
    expect((await documents.get('https://a.example', 'hello'))?.document.distTags.latest).toBe('1.0.0');
  });

  it('removes a record that is not a valid cached document', async () => {
    const idb = freshIndexedDb();
    const documents = createIndexedDbDocumentCache(idb);
    await openCacheStore(idb).use('readwrite', (objects) => {
      objects.put({ registry: 'https://a.example', name: 'hello', fetchedAt: 1, document: { name: 'other' } }, ['document', 'https://a.example', 'hello']);
      return new Promise((resolve) => (objects.transaction.oncomplete = resolve));
    });
    expect(await documents.get('https://a.example', 'hello')).toBeUndefined();
    const left = await openCacheStore(idb).use('readonly', (objects) => {
      const request = objects.count();
      return new Promise((resolve) => (request.onsuccess = () => resolve(request.result)));
    });
    expect(left).toBe(0);
  });
});
