import { describe, expect, it } from 'vitest';
import { createMemoryBlobCache, createMemoryDocumentCache } from '../../src/core/memory.js';
import { testBlobCache } from '../contracts/blob-cache.js';

testBlobCache('memory', async () => {
  let now = 1_000;
  return { cache: createMemoryBlobCache({ now: () => now }), advance: (ms) => (now += ms) };
});

describe('memory document cache', () => {
  const entry = {
    registry: 'http://registry.test',
    name: 'hello',
    etag: '"1"',
    fetchedAt: 1,
    document: { name: 'hello', distTags: {}, modified: '2026-01-01T00:00:00.000Z', versions: {} },
  };

  it('keeps documents per registry and name, as copies', async () => {
    const cache = createMemoryDocumentCache();
    await cache.put(entry);
    expect(await cache.get('http://registry.test', 'hello')).toEqual(entry);
    expect(await cache.get('http://other.test', 'hello')).toBeUndefined();
    const copy = (await cache.get('http://registry.test', 'hello'))!;
    copy.document.name = 'changed';
    expect((await cache.get('http://registry.test', 'hello'))!.document.name).toBe('hello');
    await cache.delete('http://registry.test', 'hello');
    expect(await cache.get('http://registry.test', 'hello')).toBeUndefined();
  });
});
