/** The PostgreSQL driver's blob cache, over a BlobStore that counts what reaches it. */
import { describe, expect, it } from 'vitest';
import type { StoredBlob } from '../../../registry-server/index.js';
import { cachedBlobStore } from '../../../registry-server/pg/blob-cache.js';
import type { BlobStore } from '../../../registry-server/pg/blobs.js';

function countingStore(): BlobStore & { gets: number } {
  const blobs = new Map<string, { bytes: Uint8Array; storedAt: number }>();
  const store = {
    gets: 0,
    async get(_algorithm: 'sha256', hex: string) {
      store.gets++;
      return blobs.get(hex)?.bytes;
    },
    async put(_algorithm: 'sha256', hex: string, bytes: Uint8Array) {
      blobs.set(hex, { bytes, storedAt: 1 });
    },
    async list(): Promise<StoredBlob[]> {
      return [...blobs].map(([hex, blob]) => ({ algorithm: 'sha256', hex, size: blob.bytes.byteLength, storedAt: blob.storedAt }));
    },
    async delete(_algorithm: 'sha256', hex: string, storedBefore: number) {
      const blob = blobs.get(hex);
      if (blob === undefined || blob.storedAt >= storedBefore) return false;
      return blobs.delete(hex);
    },
  };
  return store;
}

describe('cachedBlobStore', () => {
  it('reads a blob from the store once, then from memory, and forgets a deleted one', async () => {
    const store = countingStore();
    const cached = cachedBlobStore(store, 1024);
    const bytes = new Uint8Array([1, 2, 3]);
    await cached.put('sha256', 'aa', bytes);
    expect(store.gets).toBe(0);
    expect(await cached.get('sha256', 'aa')).toEqual(bytes);
    expect(await cached.get('sha256', 'aa')).toEqual(bytes);
    expect(store.gets).toBe(1);
    expect(await cached.delete('sha256', 'aa', 2)).toBe(true);
    expect(await cached.get('sha256', 'aa')).toBeUndefined();
    expect(store.gets).toBe(2);
  });

  it('does not remember a blob it did not find, nor one larger than the cache', async () => {
    const store = countingStore();
    const cached = cachedBlobStore(store, 2);
    expect(await cached.get('sha256', 'bb')).toBeUndefined();
    await store.put('sha256', 'bb', new Uint8Array([9]));
    expect(await cached.get('sha256', 'bb')).toEqual(new Uint8Array([9]));
    await store.put('sha256', 'cc', new Uint8Array([1, 2, 3]));
    await cached.get('sha256', 'cc');
    await cached.get('sha256', 'cc');
    expect(store.gets).toBe(4);
  });
});
