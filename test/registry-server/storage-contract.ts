/**
 * The contract every registry storage driver must pass: call
 * `testStorage(name, factory)` from a test file with a factory that makes a
 * fresh, empty storage. It covers documents (read-modify-write, atomicity on
 * errors, serialization of concurrent changes, ETags), blobs, the plugin
 * list, name and address checks, download counts, and the health check.
 */
import { describe, expect, it } from 'vitest';
import type { PluginDocument } from '../../src/core/registry/document.js';
import { addVersion, setYanked, type RegistryStorage } from '../../registry-server/index.js';
import { prepareDocument } from '../../registry-server/storage/snapshot.js';
import { sha256Hex } from './helpers.js';

const decoder = new TextDecoder();

function entry(name: string, version: string, description?: string) {
  const bundle = new TextEncoder().encode(`${name}@${version}`);
  const hex = sha256Hex(bundle);
  return {
    bundle,
    hex,
    value: {
      manifest: { name, version, ...(description ? { description } : {}), source: { mode: 'esm', path: 'index.js' } },
      dist: { integrity: `sha256-${Buffer.from(hex, 'hex').toString('base64')}`, size: bundle.byteLength, url: `/v1/blobs/sha256/${hex}` },
      publishedAt: new Date(0).toISOString(),
      yanked: false,
    },
  };
}

function withVersion(current: PluginDocument | undefined, name: string, version: string, description?: string): PluginDocument {
  return addVersion(current, name, version, entry(name, version, description).value, Date.now());
}

function parse(bytes: Uint8Array | undefined): PluginDocument | undefined {
  return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as PluginDocument);
}

/** Runs the storage contract against a driver; `create` makes a fresh, empty storage. */
export function testStorage(name: string, create: () => Promise<RegistryStorage>): void {
  describe(`storage contract: ${name}`, () => {
    it('has no document for a plugin never published', async () => {
      const storage = await create();
      expect(await storage.getDocument('hello')).toBeUndefined();
      expect(await storage.getDocument('hello', { fresh: true })).toBeUndefined();
      expect(await storage.listPlugins()).toEqual([]);
    });

    it('stores what a change returns, and serves exactly those bytes with an ETag', async () => {
      const storage = await create();
      const snapshot = await storage.updateDocument('hello', (current) => {
        expect(current).toBeUndefined();
        return withVersion(current, 'hello', '1.0.0');
      });
      const read = await storage.getDocument('hello');
      expect(read?.bytes).toEqual(snapshot?.bytes);
      expect(read?.etag).toBe(snapshot?.etag);
      expect(read?.etag).toMatch(/^"[^"]+"$/);
      expect(Object.keys(parse(read?.bytes)?.versions ?? {})).toEqual(['1.0.0']);
    });

    it('passes the current document to the next change, and changes the ETag with the bytes', async () => {
      const storage = await create();
      const first = await storage.updateDocument('@acme/hello', (current) => withVersion(current, '@acme/hello', '1.0.0'));
      const second = await storage.updateDocument('@acme/hello', (current) => {
        expect(Object.keys(current?.versions ?? {})).toEqual(['1.0.0']);
        return withVersion(current, '@acme/hello', '1.1.0');
      });
      expect(second?.etag).not.toBe(first?.etag);
      expect(parse((await storage.getDocument('@acme/hello'))?.bytes)?.distTags.latest).toBe('1.1.0');
    });

    it('leaves the document as it was when the change returns nothing or throws', async () => {
      const storage = await create();
      const before = await storage.updateDocument('hello', (current) => withVersion(current, 'hello', '1.0.0'));
      const unchanged = await storage.updateDocument('hello', () => undefined);
      expect(unchanged?.bytes).toEqual(before?.bytes);
      await expect(
        storage.updateDocument('hello', async (current) => {
          await storage.putBlob('sha256', entry('hello', '2.0.0').hex, entry('hello', '2.0.0').bundle);
          withVersion(current, 'hello', '2.0.0');
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect((await storage.getDocument('hello', { fresh: true }))?.bytes).toEqual(before?.bytes);
      expect(await storage.updateDocument('never', () => undefined)).toBeUndefined();
      expect(await storage.getDocument('never')).toBeUndefined();
    });

    it('runs concurrent changes of one plugin one after another, losing none', async () => {
      const storage = await create();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          storage.updateDocument('hello', async (current) => {
            await new Promise((resolve) => setImmediate(resolve));
            return withVersion(current, 'hello', `1.0.${i}`);
          }),
        ),
      );
      expect(Object.keys(parse((await storage.getDocument('hello'))?.bytes)?.versions ?? {}).sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `1.0.${i}`).sort(),
      );
    });

    it('refuses a document that carries another name', async () => {
      const storage = await create();
      await expect(storage.updateDocument('hello', (current) => withVersion(current, 'other', '1.0.0'))).rejects.toThrow(TypeError);
      expect(await storage.getDocument('hello')).toBeUndefined();
    });

    it('refuses names that are not plugin names, such as path traversals', async () => {
      const storage = await create();
      for (const bad of ['..', '../x', '@acme/../x', 'a/b', 'Hello', '', '.hidden', '@acme%2Fx', 'x\0y']) {
        await expect(storage.getDocument(bad), bad).rejects.toThrow(TypeError);
        await expect(
          storage.updateDocument(bad, () => undefined),
          bad,
        ).rejects.toThrow(TypeError);
      }
    });

    it('stores blobs by digest, idempotently, and refuses malformed addresses', async () => {
      const storage = await create();
      const { hex, bundle } = entry('hello', '1.0.0');
      expect(await storage.getBlob('sha256', hex)).toBeUndefined();
      await storage.putBlob('sha256', hex, bundle);
      await storage.putBlob('sha256', hex, bundle);
      expect(await storage.getBlob('sha256', hex)).toEqual(bundle);
      for (const [algorithm, address] of [
        ['sha256', hex.toUpperCase()],
        ['sha256', '../../etc/passwd'],
        ['md5', hex],
        ['sha256', hex.slice(1)],
      ]) {
        await expect(storage.getBlob(algorithm!, address!)).rejects.toThrow(TypeError);
        await expect(storage.putBlob(algorithm!, address!, bundle)).rejects.toThrow(TypeError);
      }
    });

    it('stores the blobs a prepared document carries with it, and none of a document it refuses', async () => {
      const storage = await create();
      const { hex, bundle } = entry('hello', '1.0.0');
      const document = withVersion(undefined, 'hello', '1.0.0');
      const snapshot = await storage.updateDocument('hello', async () => ({
        ...(await prepareDocument(document)),
        blobs: [{ algorithm: 'sha256', hex, bytes: bundle }],
      }));
      expect(await storage.getBlob('sha256', hex)).toEqual(bundle);
      expect((await storage.getDocument('hello'))?.bytes).toEqual(snapshot?.bytes);
      const refused = entry('other', '1.0.0');
      const wrongName = withVersion(undefined, 'other', '1.0.0');
      await expect(
        storage.updateDocument('hello', async () => ({
          ...(await prepareDocument(wrongName)),
          blobs: [{ algorithm: 'sha256', hex: refused.hex, bytes: refused.bundle }],
        })),
      ).rejects.toThrow(TypeError);
      expect(await storage.getBlob('sha256', refused.hex)).toBeUndefined();
      expect((await storage.getDocument('hello', { fresh: true }))?.bytes).toEqual(snapshot?.bytes);
    });

    it('lists every plugin by name with its latest version and description', async () => {
      const storage = await create();
      await storage.updateDocument('zeta', (current) => withVersion(current, 'zeta', '1.0.0', 'Last one'));
      await storage.updateDocument('@acme/alpha', (current) => withVersion(current, '@acme/alpha', '2.0.0', 'Scoped'));
      await storage.updateDocument('beta', (current) => withVersion(current, 'beta', '0.1.0'));
      await storage.updateDocument('beta', (current) => withVersion(current, 'beta', '0.2.0-rc.1'));
      const list = await storage.listPlugins();
      expect(list.map((p) => [p.name, p.latest, p.description])).toEqual([
        ['@acme/alpha', '2.0.0', 'Scoped'],
        ['beta', '0.1.0', undefined],
        ['zeta', '1.0.0', 'Last one'],
      ]);
      await storage.updateDocument('zeta', (current) => (current ? setYanked(current, '1.0.0', true, Date.now()) : undefined));
      const zeta = (await storage.listPlugins()).find((p) => p.name === 'zeta');
      expect(zeta?.latest).toBeUndefined();
      expect(zeta?.description).toBe('Last one');
    });

    it('lists blobs, renews one stored again, and deletes only one stored before the cutoff', async () => {
      const storage = await create();
      const { hex, bundle } = entry('hello', '1.0.0');
      const before = Date.now();
      await storage.putBlob('sha256', hex, bundle);
      const [listed] = await storage.listBlobs();
      expect(listed).toMatchObject({ algorithm: 'sha256', hex, size: bundle.byteLength });
      expect(listed!.storedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(await storage.deleteBlob('sha256', hex, listed!.storedAt)).toBe(false);
      while (Date.now() <= listed!.storedAt + 2) await new Promise((resolve) => setImmediate(resolve));
      await storage.putBlob('sha256', hex, bundle);
      const renewed = (await storage.listBlobs())[0]!.storedAt;
      expect(renewed).toBeGreaterThan(listed!.storedAt);
      expect(await storage.deleteBlob('sha256', hex, renewed)).toBe(false);
      expect(await storage.getBlob('sha256', hex)).toEqual(bundle);
      expect(await storage.deleteBlob('sha256', hex, renewed + 1)).toBe(true);
      expect(await storage.getBlob('sha256', hex)).toBeUndefined();
      expect(await storage.listBlobs()).toEqual([]);
      expect(await storage.deleteBlob('sha256', hex, Date.now() + 1000)).toBe(false);
      await expect(storage.deleteBlob('sha256', '../x', Date.now())).rejects.toThrow(TypeError);
    });

    it('hands out every stored document as its bytes', async () => {
      const storage = await create();
      const hello = await storage.updateDocument('hello', (current) => withVersion(current, 'hello', '1.0.0'));
      const scoped = await storage.updateDocument('@acme/hello', (current) => withVersion(current, '@acme/hello', '1.0.0'));
      const seen: [string, Uint8Array][] = [];
      for await (const { name, bytes } of storage.eachDocument()) seen.push([name, bytes]);
      expect(seen.sort(([a], [b]) => (a < b ? -1 : 1))).toEqual([
        ['@acme/hello', scoped!.bytes],
        ['hello', hello!.bytes],
      ]);
    });

    it('adds download counts by version and by UTC day, and reads them back before and after a flush', async () => {
      const storage = await create();
      expect(await storage.getDownloads('hello')).toEqual({ versions: {}, days: {} });
      const day1 = Date.UTC(2026, 0, 1, 23, 59);
      const day2 = Date.UTC(2026, 0, 2, 0, 1);
      await storage.addDownloads([{ name: 'hello', version: '1.0.0', count: 2 }], day1);
      await storage.addDownloads(
        [
          { name: 'hello', version: '1.0.0', count: 1 },
          { name: 'hello', version: '1.1.0', count: 4 },
          { name: '@acme/hello', version: '0.1.0', count: 1 },
        ],
        day2,
      );
      const expected = { versions: { '1.0.0': 3, '1.1.0': 4 }, days: { '2026-01-01': 2, '2026-01-02': 5 } };
      expect(await storage.getDownloads('hello')).toEqual(expected);
      await storage.flushDownloads();
      expect(await storage.getDownloads('hello')).toEqual(expected);
      expect(await storage.getDownloads('@acme/hello')).toEqual({ versions: { '0.1.0': 1 }, days: { '2026-01-02': 1 } });
      await storage.addDownloads([{ name: 'hello', version: '1.0.0', count: 1 }], day2);
      expect((await storage.getDownloads('hello')).versions['1.0.0']).toBe(4);
      await storage.flushDownloads();
      expect((await storage.getDownloads('hello')).versions['1.0.0']).toBe(4);
    });

    it('keeps daily counts for 30 days, dropping older days when counts are added', async () => {
      const storage = await create();
      const start = Date.UTC(2026, 0, 1, 12);
      for (let day = 0; day < 40; day++) await storage.addDownloads([{ name: 'hello', version: '1.0.0', count: 1 }], start + day * 86_400_000);
      await storage.flushDownloads();
      const counts = await storage.getDownloads('hello');
      expect(counts.versions).toEqual({ '1.0.0': 40 });
      expect(Object.keys(counts.days).sort()).toHaveLength(30);
      expect(Object.keys(counts.days).sort()[0]).toBe('2026-01-11');
      expect(Object.keys(counts.days).sort().at(-1)).toBe('2026-02-09');
    });

    it('refuses download counts for invalid names or counts, adding none of the batch', async () => {
      const storage = await create();
      const good = { name: 'hello', version: '1.0.0', count: 1 };
      for (const bad of [
        { name: '../x', version: '1.0.0', count: 1 },
        { name: 'hello', version: '1.0.0', count: 0 },
        { name: 'hello', version: '1.0.0', count: 1.5 },
        { name: 'hello', version: '', count: 1 },
      ]) {
        await expect(storage.addDownloads([good, bad], Date.now()), JSON.stringify(bad)).rejects.toThrow(TypeError);
      }
      await expect(storage.getDownloads('../x')).rejects.toThrow(TypeError);
      expect(await storage.getDownloads('hello')).toEqual({ versions: {}, days: {} });
    });

    it('reads every count while a flush is under way, none missing and none twice', async () => {
      const storage = await create();
      await storage.check();
      await storage.addDownloads([{ name: 'hello', version: '1.0.0', count: 5 }], Date.now());
      const flushing = storage.flushDownloads();
      await new Promise((resolve) => setImmediate(resolve));
      const during = storage.getDownloads('hello');
      await storage.addDownloads([{ name: 'hello', version: '1.0.0', count: 1 }], Date.now());
      expect([5, 6]).toContain((await during).versions['1.0.0']);
      await flushing;
      expect((await storage.getDownloads('hello')).versions).toEqual({ '1.0.0': 6 });
      await storage.flushDownloads();
      expect((await storage.getDownloads('hello')).versions).toEqual({ '1.0.0': 6 });
    });

    it('counts concurrent additions without losing any', async () => {
      const storage = await create();
      const at = Date.now();
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await storage.addDownloads([{ name: 'hello', version: `1.0.${i % 5}`, count: 1 }], at);
          if (i % 10 === 0) await storage.flushDownloads();
        }),
      );
      await storage.flushDownloads();
      const counts = await storage.getDownloads('hello');
      expect(counts.versions).toEqual({ '1.0.0': 10, '1.0.1': 10, '1.0.2': 10, '1.0.3': 10, '1.0.4': 10 });
    });

    it('passes its health check', async () => {
      const storage = await create();
      await expect(storage.check()).resolves.toBeUndefined();
      expect(typeof storage.driver).toBe('string');
    });
  });
}
