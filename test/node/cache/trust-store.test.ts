/**
 * The TrustStore port: one contract run against the memory and filesystem
 * stores (versions only go up, key chains round-trip, unreadable files count
 * as absent), and the Node host's persistence: a restarted host on the same
 * cache directory refuses a rollback, follows the key chain it rotated along,
 * and stores the verified envelope in the document cache on disk.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrustStore } from '../../../src/core/ports.js';
import { createMemoryTrustStore } from '../../../src/core/trust/memory-trust-store.js';
import { createFsTrustStore } from '../../../src/node/cache/trust-store.js';
import { publish } from '../../core/host/fixture.js';
import { signedSetup, testKey } from '../../core/trust/fixture.js';
import { nodeHost, tempDir } from '../helpers.js';

const ENVELOPE = { payloadType: 'application/vnd.plughub.keys+json', payload: '{"type":"keys"}', signatures: [{ keyid: 'ab', sig: 'cd' }] };
const CHAIN = { anchor: '1:ab', registry: 'plughub:x', envelopes: [ENVELOPE] };

function contract(label: string, make: () => Promise<TrustStore>) {
  describe(`TrustStore contract: ${label}`, () => {
    it('records the highest version and never lowers it', async () => {
      const store = await make();
      expect(await store.getVersion('plughub:x', 'document hello')).toBeUndefined();
      await store.raiseVersion('plughub:x', 'document hello', 3);
      await store.raiseVersion('plughub:x', 'document hello', 2);
      await Promise.all([1, 5, 4].map((v) => store.raiseVersion('plughub:x', 'document hello', v)));
      expect(await store.getVersion('plughub:x', 'document hello')).toBe(5);
      expect(await store.getVersion('plughub:y', 'document hello')).toBeUndefined();
      expect(await store.getVersion('plughub:x', 'list')).toBeUndefined();
    });

    it('keeps the key chain per registry URL', async () => {
      const store = await make();
      expect(await store.getKeyChain('http://a.test')).toBeUndefined();
      await store.putKeyChain('http://a.test', CHAIN);
      expect(await store.getKeyChain('http://a.test')).toEqual(CHAIN);
      expect(await store.getKeyChain('http://b.test')).toBeUndefined();
    });
  });
}

contract('memory', async () => createMemoryTrustStore());
contract('filesystem', async () => createFsTrustStore(await tempDir()));

describe('filesystem TrustStore', () => {
  it('survives a new instance on the same directory and treats a garbled file as absent', async () => {
    const dir = await tempDir();
    await createFsTrustStore(dir).raiseVersion('plughub:x', 'document hello', 7);
    await createFsTrustStore(dir).putKeyChain('http://a.test', CHAIN);
    const again = createFsTrustStore(dir);
    expect(await again.getVersion('plughub:x', 'document hello')).toBe(7);
    expect(await again.getKeyChain('http://a.test')).toEqual(CHAIN);
    const [chainFile] = await readdir(join(dir, 'trust', 'key-chains'));
    await writeFile(
      join(dir, 'trust', 'key-chains', chainFile!),
      JSON.stringify({ url: 'http://a.test', chain: { anchor: '1:ab', envelopes: [{ payloadType: 1 }] } }),
    );
    expect(await again.getKeyChain('http://a.test')).toBeUndefined();
    const [file] = await readdir(join(dir, 'trust', 'versions'));
    await writeFile(join(dir, 'trust', 'versions', file!), '{ not json');
    expect(await again.getVersion('plughub:x', 'document hello')).toBeUndefined();
    expect((await readdir(join(dir, 'trust', 'versions'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('Node host with trustedKeys', () => {
  it('refuses a rollback after a restart on the same cache directory, and caches the envelope on disk', async () => {
    const t = await signedSetup();
    await publish(t.registry, 'hello', '1.0.0', 'export default { execute: () => 1 };');
    const old = await t.signDocument('hello');
    await publish(t.registry, 'hello', '1.1.0', 'export default { execute: () => 2 };');
    const cacheDir = await tempDir();
    const options = { registry: t.registry.url, fetch: t.registry.fetch, cacheDir, trustedKeys: [t.key.publicKey] };
    const first = await nodeHost(options);
    expect((await first.load('hello')).version).toBe('1.1.0');
    await first.close();
    const stored = JSON.parse(await readFile(first.documents.pathOf(t.registry.url, 'hello'), 'utf8')) as { envelope?: { payload: string } };
    expect(JSON.parse(stored.envelope!.payload)).toMatchObject({ type: 'document', version: 2 });

    t.serve('hello', () => t.json(old));
    const restarted = await nodeHost(options);
    await expect(restarted.load('hello')).rejects.toMatchObject({ name: 'RollbackError', seen: 2, offered: 1 });
    await restarted.close();
  });

  it('keeps the rotated key set across a restart, confirming it with one request for the newest keys', async () => {
    const t = await signedSetup();
    await publish(t.registry, 'hello', '1.0.0', 'export default { execute: () => 1 };');
    const next = await testKey();
    await t.publishKeys([next], [t.key.signing]);
    t.state.signers = [next.signing];
    const cacheDir = await tempDir();
    const options = { registry: t.registry.url, fetch: t.registry.fetch, cacheDir, trustedKeys: [t.key.publicKey] };
    const first = await nodeHost(options);
    await first.load('hello');
    await first.close();
    const restarted = await nodeHost(options);
    const keysRequests = () => t.registry.requests.filter((r) => r.url.includes('/v1/keys')).map((r) => new URL(r.url).pathname);
    const before = keysRequests().length;
    expect((await restarted.load('hello')).version).toBe('1.0.0');
    // The stored chain is current: the newest keys are asked for once, and no version is walked.
    expect(keysRequests().slice(before)).toEqual(['/v1/keys']);
    await restarted.close();
  });
});
