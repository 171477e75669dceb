/**
 * A writer of the cache directory rolls the stored key chain back to a key
 * the registry retired: the registry rotates v1 (the configured key) → v2
 * (key K) → v3 (key K2, retiring K), a host follows it to v3, and someone
 * holding K truncates the stored chain to v2 and plants a document signed by
 * K, its bundle and a document-cache entry carrying the registry's real
 * ETag. The next host refuses the planted document offline (the keys version
 * seen is above the stored chain; with that lowered too, once the stored
 * tail has expired) and online (it confirms the newest keys version with
 * the registry before it trusts a stored tail, also through a 304), and
 * runs nothing. A host that confirmed the keys once does not ask again; one
 * whose registry cannot answer for its keys (503) goes on by the offline
 * rules and asks again on the next document; renewals do not lengthen the
 * stored chain.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_PAYLOAD_TYPE, signEnvelope } from '../../src/core/trust/envelope.js';
import { createFsBlobCache } from '../../src/node/cache/blob-cache.js';
import { createFsDocumentCache } from '../../src/node/cache/document-cache.js';
import { publish } from '../core/host/fixture.js';
import { plantedVersion, signedSetup, testKey } from '../core/trust/fixture.js';
import { nodeHost, tempDir } from './helpers.js';

const ran: string[] = [];
(globalThis as { __retiredRan?: string[] }).__retiredRan = ran;
afterEach(() => void ran.splice(0));

const DAY = 86_400_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const offline = () => Promise.reject(new TypeError('fetch failed: offline'));

/** A registry that rotated v1 → v2 (K) → v3 (K2), and a cache directory a host used after the last rotation. */
async function rotatedWorld() {
  const t = await signedSetup();
  await publish(t.registry, 'hello', '1.0.0', 'export default { execute: () => "hello" };');
  await publish(t.registry, 'other', '1.0.0', 'export default { execute: () => "other" };');
  const cacheDir = await tempDir();
  const options = { registry: t.registry.url, cacheDir, trustedKeys: [t.key.publicKey], now: () => t.state.now };
  const retired = await testKey();
  await t.publishKeys([retired], [t.key.signing, retired.signing]);
  t.state.signers = [retired.signing];
  const first = await nodeHost({ ...options, fetch: t.registry.fetch });
  await first.load('hello');
  await first.close();
  const current = await testKey();
  await t.publishKeys([current], [retired.signing, current.signing]);
  t.state.signers = [current.signing];
  // A document signed by K2 moves the next host on to keys version 3.
  const second = await nodeHost({ ...options, fetch: t.registry.fetch });
  await second.load('other');
  await second.close();
  const chainFile = join(cacheDir, 'trust', 'key-chains', `${sha256(t.registry.url)}.json`);
  expect(await storedVersions(chainFile)).toEqual([2, 3]);
  return { t, cacheDir, options, retired, current, chainFile };
}

/** The keys versions of the links of the key chain stored in `chainFile`. */
async function storedVersions(chainFile: string): Promise<number[]> {
  const stored = JSON.parse(await readFile(chainFile, 'utf8')) as { chain: { envelopes: { payload: string }[] } };
  return stored.chain.envelopes.map((envelope) => (JSON.parse(envelope.payload) as { version: number }).version);
}

/** What the holder of the retired key writes: the chain cut back to v2, a document signed by K, its bundle. */
async function plant(world: Awaited<ReturnType<typeof rotatedWorld>>, options: { keepKeysSeen: boolean }) {
  const { t, cacheDir, retired, chainFile } = world;
  const stored = JSON.parse(await readFile(chainFile, 'utf8')) as { url: string; chain: { envelopes: unknown[] } };
  await writeFile(chainFile, JSON.stringify({ ...stored, chain: { ...stored.chain, envelopes: stored.chain.envelopes.slice(0, -1) } }));
  if (!options.keepKeysSeen) await rm(join(cacheDir, 'trust', 'versions', `${sha256(`${t.state.registryId}\nkeys`)}.json`), { force: true });
  const { bytes, integrity, document } = await plantedVersion('__retiredRan');
  await createFsBlobCache(cacheDir).put(integrity, bytes);
  const expires = new Date(t.state.now + 3650 * DAY).toISOString();
  const payload = { type: 'document', registry: t.state.registryId, version: 99, expires, name: 'hello', document };
  const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, payload, [retired.signing]);
  const documents = createFsDocumentCache(cacheDir);
  // The registry's real ETag, so that the registry answers the planted entry with 304.
  const real = await documents.get(t.registry.url, 'hello');
  expect(real?.etag).toBeDefined();
  await documents.put({ registry: t.registry.url, name: 'hello', document: document as never, envelope, etag: real!.etag!, fetchedAt: Date.now() });
}

describe('a stored key chain cut back to a retired key', () => {
  it('is refused offline while the keys version seen is above it (RollbackError), and nothing runs', async () => {
    const world = await rotatedWorld();
    await plant(world, { keepKeysSeen: true });
    const host = await nodeHost({ ...world.options, fetch: offline });
    await expect(host.load('hello')).rejects.toMatchObject({ name: 'RollbackError', code: 'E_ROLLBACK', seen: 3, offered: 2 });
    expect(ran).toEqual([]);
    expect(host.list()).toEqual([]);
  });

  it('is refused offline, with the keys version seen removed as well, once its tail has expired (ExpiredError)', async () => {
    const world = await rotatedWorld();
    await plant(world, { keepKeysSeen: false });
    world.t.state.now += 366 * DAY;
    const host = await nodeHost({ ...world.options, fetch: offline });
    await expect(host.load('hello')).rejects.toMatchObject({ name: 'ExpiredError', code: 'E_EXPIRED' });
    expect(ran).toEqual([]);
  });

  it.each([true, false])('is refused online, through the 304 the real ETag earns (keys version seen kept: %s)', async (keepKeysSeen) => {
    const world = await rotatedWorld();
    await plant(world, { keepKeysSeen });
    const host = await nodeHost({ ...world.options, fetch: world.t.registry.fetch });
    const requests = world.t.registry.requests.length;
    const blobs = world.t.blobRequests().length;
    await expect(host.load('hello')).rejects.toMatchObject({ name: 'SignatureError', code: 'E_SIGNATURE' });
    const asked = world.t.registry.requests.slice(requests).map((r) => `${r.headers.get('if-none-match') ? 'revalidate ' : ''}${new URL(r.url).pathname}`);
    expect(asked).toContain('revalidate /v1/plugins/hello');
    expect(asked).toContain('/v1/keys');
    expect(world.t.blobRequests()).toHaveLength(blobs);
    expect(ran).toEqual([]);
    expect(host.list()).toEqual([]);
  });
});

describe('confirming the stored key chain online', () => {
  it('asks for the newest keys once per host, before the first document, and walks nothing when the stored tail is current', async () => {
    const { t, options } = await rotatedWorld();
    const keysRequests = () => t.registry.requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/keys')).map((r) => new URL(r.url).pathname);
    const before = keysRequests().length;
    const host = await nodeHost({ ...options, fetch: t.registry.fetch });
    expect((await host.load('other')).version).toBe('1.0.0');
    await host.unload('other');
    expect((await host.load('other')).version).toBe('1.0.0');
    expect(keysRequests().slice(before)).toEqual(['/v1/keys']);
  });

  it('falls back to the offline rules while /v1/keys cannot be fetched, and asks again on the next document', async () => {
    const { t, options } = await rotatedWorld();
    let keysDown = true;
    const keysAsked: string[] = [];
    const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      if (path.startsWith('/v1/keys')) {
        keysAsked.push(path);
        if (keysDown) return Promise.resolve(new Response('{"error":{"code":"E_UNAVAILABLE","message":"down"}}', { status: 503 }));
      }
      return t.registry.fetch(input, init);
    };
    const host = await nodeHost({ ...options, fetch });
    // The stored chain (v2 → v3, current and unexpired) passes the offline checks: the load goes on.
    expect((await host.load('other')).version).toBe('1.0.0');
    const asked = keysAsked.length;
    expect(asked).toBeGreaterThan(0);
    keysDown = false;
    await host.unload('other');
    expect((await host.load('other')).version).toBe('1.0.0');
    expect(keysAsked.slice(asked)).toEqual(['/v1/keys']);
    await host.unload('other');
    expect((await host.load('other')).version).toBe('1.0.0');
    expect(keysAsked.slice(asked)).toEqual(['/v1/keys']);
  });

  it('follows renewals of the same keys without lengthening the stored chain', async () => {
    const { t, options, current, chainFile } = await rotatedWorld();
    for (let i = 0; i < 3; i += 1) {
      await t.publishKeys([current], [current.signing]);
      const host = await nodeHost({ ...options, fetch: t.registry.fetch });
      expect((await host.load('other')).version).toBe('1.0.0');
      await host.close();
    }
    expect(await storedVersions(chainFile)).toEqual([2, 3, 6]);
  });
});
