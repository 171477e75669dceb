/**
 * Key rotation and author signatures on the host side: a host that trusts the
 * registry's old key follows `/v1/keys/:n` to the new one (and remembers it in
 * its trust store), refuses a chain with a link its trusted set did not sign,
 * and refuses versions without a valid author signature where `authorKeys`
 * requires one.
 */
import { describe, expect, it } from 'vitest';
import { authorSignatureInput, signBytes, DOCUMENT_PAYLOAD_TYPE, signEnvelope } from '../../../src/core/trust/envelope.js';
import { createMemoryTrustStore } from '../../../src/core/trust/memory-trust-store.js';
import { publish } from '../host/fixture.js';
import { signedSetup, storedKeys, testKey, type TestKey } from './fixture.js';

const HELLO = 'export default { execute: () => "hello" };';

async function world() {
  const t = await signedSetup();
  await publish(t.registry, 'hello', '1.0.0', HELLO);
  await publish(t.registry, '@acme/tool', '1.0.0', HELLO);
  const trustStore = createMemoryTrustStore();
  const host = (extra: Parameters<typeof t.host>[0] = {}) => t.host({ trustedKeys: [t.key.publicKey], trustStore, ...extra });
  return { ...t, trustStore, host };
}

describe('key rotation', () => {
  it('follows the chain from the old key to the new one and remembers it', async () => {
    const t = await world();
    await t.host().load('hello');
    const second = await testKey();
    const third = await testKey();
    await t.publishKeys([second], [t.key.signing, second.signing]);
    await t.publishKeys([third], [second.signing]);
    t.state.signers = [third.signing];
    const host = t.host();
    expect((await host.load('@acme/tool')).version).toBe('1.0.0');
    expect(await storedKeys(t.trustStore, t.client.url)).toMatchObject({ keysVersion: 3, keys: [{ keyid: third.keyid }] });
    // The old key is no longer trusted once the host moved on.
    t.state.signers = [t.key.signing];
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE' });
  });

  it('refuses a broken chain: a keys version not signed by the keys trusted before it', async () => {
    const t = await world();
    const attacker = await testKey();
    await t.publishKeys([attacker], [attacker.signing]);
    t.state.signers = [attacker.signing];
    await expect(t.host().load('hello')).rejects.toMatchObject({
      name: 'SignatureError',
      message: expect.stringContaining('key rotation chain broken at keys version 2'),
    });
    expect(await storedKeys(t.trustStore, t.client.url)).toBeUndefined();
    expect(t.blobRequests()).toEqual([]);
  });

  it('moves to the newest keys at once when the trusted key signed them', async () => {
    const t = await world();
    const next = await testKey();
    await t.publishKeys([next], [t.key.signing]);
    t.state.signers = [next.signing];
    expect((await t.host().load('hello')).version).toBe('1.0.0');
  });
});

describe('author signatures', () => {
  /** Serves `name`'s document with author signatures by `authors` on its 1.0.0 entry. */
  async function serveSigned(t: Awaited<ReturnType<typeof world>>, name: string, authors: TestKey[], integrityOverride?: string) {
    const base = JSON.parse((await t.signDocument(name)).payload) as {
      document: { versions: Record<string, { manifest: unknown; dist: { integrity: string }; authorSignatures?: unknown }> };
    };
    const entry = base.document.versions['1.0.0']!;
    const input = authorSignatureInput(name, '1.0.0', integrityOverride ?? entry.dist.integrity, entry.manifest);
    entry.authorSignatures = await Promise.all(authors.map(async (a) => ({ keyid: a.keyid, sig: await signBytes(a.signing.privateKey, input) })));
    const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, base, t.state.signers);
    t.serve(name, () => t.json(envelope));
  }

  it('loads a version signed by a required author key (by name and by @scope/*)', async () => {
    const t = await world();
    const author = await testKey();
    await serveSigned(t, 'hello', [author]);
    await serveSigned(t, '@acme/tool', [author]);
    const host = t.host({ authorKeys: { hello: [author.publicKey], '@acme/*': [author.publicKey] } });
    expect((await host.load('hello')).version).toBe('1.0.0');
    expect((await host.load('@acme/tool')).version).toBe('1.0.0');
  });

  it('refuses a version without an author signature, with a wrong author key, or signed over another integrity', async () => {
    const t = await world();
    const author = await testKey();
    const other = await testKey();
    const host = () => t.host({ authorKeys: { hello: [author.publicKey] } });
    await expect(host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('has none') });
    await serveSigned(t, 'hello', [other]);
    await expect(host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('no author signature') });
    await serveSigned(t, 'hello', [author], 'sha256-AAAA');
    await expect(host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE' });
    expect(t.blobRequests()).toEqual([]);
    expect(await t.cache.list()).toEqual([]);
  });

  it('requires author signatures even without trustedKeys', async () => {
    const t = await world();
    const author = await testKey();
    await expect(t.host({ trustedKeys: undefined, authorKeys: { hello: [author.publicKey] } }).load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE' });
  });
});
