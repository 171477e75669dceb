/**
 * The contract every BlobCache must keep (memory, filesystem, IndexedDB):
 * verified puts, copies in and out, listing, LRU pruning, deletion.
 * Call `testBlobCache(name, factory)` from a test file.
 */
import { describe, expect, it } from 'vitest';
import { computeIntegrity } from '../../src/core/integrity.js';
import { isIntegrityError } from '../../src/core/errors/index.js';
import type { BlobCache } from '../../src/core/ports.js';

/** A cache under test plus a clock the test can move forward and a cleanup. */
export interface BlobCacheFixture {
  cache: BlobCache;
  advance(ms: number): void;
  cleanup?(): Promise<void>;
}

const encoder = new TextEncoder();

async function blob(text: string) {
  const bytes = encoder.encode(text);
  return { bytes, integrity: await computeIntegrity(bytes) };
}

/** Runs the shared BlobCache contract against caches made by `factory`. */
export function testBlobCache(name: string, factory: () => Promise<BlobCacheFixture>): void {
  describe(`BlobCache contract: ${name}`, () => {
    async function withCache(run: (fixture: BlobCacheFixture) => Promise<void>) {
      const fixture = await factory();
      try {
        await run(fixture);
      } finally {
        await fixture.cleanup?.();
      }
    }

    it('stores verified bytes and returns them by integrity', () =>
      withCache(async ({ cache }) => {
        const { bytes, integrity } = await blob('export const a = 1;');
        expect(await cache.has(integrity)).toBe(false);
        expect(await cache.get(integrity)).toBeUndefined();
        await cache.put(integrity, bytes);
        expect(await cache.has(integrity)).toBe(true);
        expect(new TextDecoder().decode(await cache.get(integrity))).toBe('export const a = 1;');
      }));

    it('refuses bytes that do not match their integrity and stores nothing', () =>
      withCache(async ({ cache }) => {
        const { integrity } = await blob('good');
        const error = await cache.put(integrity, encoder.encode('evil')).catch((e: unknown) => e);
        expect(isIntegrityError(error)).toBe(true);
        expect(await cache.has(integrity)).toBe(false);
        expect(await cache.list()).toEqual([]);
      }));

    it('refuses an integrity with an unknown algorithm', () =>
      withCache(async ({ cache }) => {
        const error = await cache.put('md5-AAAA', encoder.encode('x')).catch((e: unknown) => e);
        expect(isIntegrityError(error)).toBe(true);
        expect(await cache.list()).toEqual([]);
      }));

    it('hands out copies: changing returned or given bytes does not change the stored blob', () =>
      withCache(async ({ cache }) => {
        const { bytes, integrity } = await blob('immutable');
        await cache.put(integrity, bytes);
        bytes[0] = 0;
        const first = (await cache.get(integrity))!;
        first[1] = 0;
        expect(new TextDecoder().decode(await cache.get(integrity))).toBe('immutable');
      }));

    it('is idempotent: putting the same blob twice keeps one entry', () =>
      withCache(async ({ cache }) => {
        const { bytes, integrity } = await blob('twice');
        await cache.put(integrity, bytes);
        await cache.put(integrity, bytes);
        expect((await cache.list()).map((entry) => entry.integrity)).toEqual([integrity]);
      }));

    it('lists entries with their sizes and deletes them', () =>
      withCache(async ({ cache }) => {
        const a = await blob('aaaa');
        const b = await blob('bbbbbbbb');
        await cache.put(a.integrity, a.bytes);
        await cache.put(b.integrity, b.bytes);
        const listed = (await cache.list()).map(({ integrity, size }) => ({ integrity, size }));
        expect(listed.sort((x, y) => x.size - y.size)).toEqual([
          { integrity: a.integrity, size: 4 },
          { integrity: b.integrity, size: 8 },
        ]);
        await cache.delete(a.integrity);
        await cache.delete(a.integrity);
        expect((await cache.list()).map((entry) => entry.integrity)).toEqual([b.integrity]);
      }));

    it('prunes least recently used blobs down to maxBytes', () =>
      withCache(async ({ cache, advance }) => {
        const old = await blob('old-old-old-old!');
        const used = await blob('used-used-used-u');
        const fresh = await blob('fresh-fresh-fres');
        await cache.put(old.integrity, old.bytes);
        advance(1000);
        await cache.put(used.integrity, used.bytes);
        advance(1000);
        await cache.put(fresh.integrity, fresh.bytes);
        advance(1000);
        await cache.get(used.integrity);
        const result = await cache.prune({ maxBytes: 32 });
        expect(result.removed).toEqual([old.integrity]);
        expect(result.freedBytes).toBe(16);
        expect((await cache.list()).map((entry) => entry.integrity).sort()).toEqual([used.integrity, fresh.integrity].sort());
        const all = await cache.prune({ maxBytes: 0 });
        expect(all.removed).toHaveLength(2);
        expect(await cache.list()).toEqual([]);
      }));
  });
}
