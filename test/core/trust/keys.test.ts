/**
 * The keys chain's own guarantees on the host side: the newest keys envelope
 * is refused with an ExpiredError once its `expires` has passed (directly or
 * at the end of a walk; a superseded version on the way may have expired),
 * a newest keys version lower than the one the host trusts is a
 * RollbackError (also for a restarted host on the same trust store), and a
 * stale host sharing the trust store never lowers the remembered key set.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryTrustStore } from '../../../src/core/trust/memory-trust-store.js';
import { publish } from '../host/fixture.js';
import { signedSetup, storedKeys, testKey, type TestKey } from './fixture.js';

const HELLO = 'export default { execute: () => "hello" };';
const DAY = 24 * 60 * 60 * 1000;

async function world() {
  const t = await signedSetup();
  await publish(t.registry, 'hello', '1.0.0', HELLO);
  const trustStore = createMemoryTrustStore();
  const host = (extra: Parameters<typeof t.host>[0] = {}) => t.host({ trustedKeys: [t.key.publicKey], trustStore, now: () => t.state.now, ...extra });
  /** Publishes keys version n+1 whose `expires` passed a day ago (signed as of 366 days ago). */
  async function publishExpiredKeys(keys: TestKey[], signedBy: TestKey[]) {
    const now = t.state.now;
    t.state.now = now - 366 * DAY;
    await t.publishKeys(
      keys,
      signedBy.map((k) => k.signing),
    );
    t.state.now = now;
  }
  return { ...t, trustStore, host, publishExpiredKeys };
}

describe('keys envelope expiry', () => {
  it('refuses an expired newest keys envelope signed by the trusted key with an ExpiredError', async () => {
    const t = await world();
    const next = await testKey();
    await t.publishExpiredKeys([next], [t.key, next]);
    t.state.signers = [next.signing];
    await expect(t.host().load('hello')).rejects.toMatchObject({ name: 'ExpiredError', code: 'E_EXPIRED', message: expect.stringContaining('/v1/keys') });
    expect(await storedKeys(t.trustStore, t.client.url)).toBeUndefined();
    expect(t.blobRequests()).toEqual([]);
  });

  it('refuses an expired newest keys envelope at the end of a walk with an ExpiredError, not a broken chain', async () => {
    const t = await world();
    const second = await testKey();
    const third = await testKey();
    await t.publishKeys([second], [t.key.signing, second.signing]);
    await t.publishExpiredKeys([third], [second]);
    t.state.signers = [third.signing];
    await expect(t.host().load('hello')).rejects.toMatchObject({ name: 'ExpiredError', code: 'E_EXPIRED' });
    expect(await storedKeys(t.trustStore, t.client.url)).toBeUndefined();
  });

  it('walks through a superseded keys version that has expired since', async () => {
    const t = await world();
    const second = await testKey();
    const third = await testKey();
    await t.publishExpiredKeys([second], [t.key, second]);
    await t.publishKeys([third], [second.signing]);
    t.state.signers = [third.signing];
    expect((await t.host().load('hello')).version).toBe('1.0.0');
    expect(await storedKeys(t.trustStore, t.client.url)).toMatchObject({ keysVersion: 3, keys: [{ keyid: third.keyid }] });
  });
});

describe('keys rollback', () => {
  it('refuses a newest keys version lower than the trusted one with a RollbackError, also after a restart', async () => {
    const t = await world();
    const second = await testKey();
    const third = await testKey();
    await t.publishKeys([second], [t.key.signing, second.signing]);
    await t.publishKeys([third], [second.signing]);
    t.state.signers = [third.signing];
    const host = t.host();
    await host.load('hello');
    expect(await storedKeys(t.trustStore, t.client.url)).toMatchObject({ keysVersion: 3 });
    // Whoever holds the retired first key serves keys version 1 and documents signed by it.
    t.keysEnvelopes.splice(1);
    t.state.signers = [t.key.signing];
    await publish(t.registry, 'hello', '1.0.1', HELLO);
    await expect(host.upgrade('hello')).rejects.toMatchObject({ name: 'RollbackError', code: 'E_ROLLBACK', seen: 3, offered: 1 });
    await expect(t.host().load('hello')).rejects.toMatchObject({ name: 'RollbackError', seen: 3, offered: 1 });
    expect(await storedKeys(t.trustStore, t.client.url)).toMatchObject({ keysVersion: 3, keys: [{ keyid: third.keyid }] });
  });

  it('a host with a stale key set never lowers the key set another host stored', async () => {
    const t = await world();
    const stale = t.host();
    // The stale host reads its trusted set (keys version 0, no registry pinned yet) and stops at a bad document.
    const restore = t.serve('hello', async () => t.json({ ...(await t.signDocument('hello')), payload: '{}' }));
    await expect(stale.load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE' });
    restore();
    const next = await testKey();
    await t.publishKeys([next], [t.key.signing, next.signing]);
    t.state.signers = [next.signing];
    await t.host().load('hello');
    expect(await storedKeys(t.trustStore, t.client.url)).toMatchObject({ keysVersion: 2 });
    // A stale copy signed by the old key still reaches the stale host, which pins the registry.
    t.serve('hello', async () => t.json(await t.signDocument('hello', {}, [t.key.signing])));
    await stale.load('hello');
    expect(await storedKeys(t.trustStore, t.client.url)).toMatchObject({ keysVersion: 2, keys: [{ keyid: next.keyid }] });
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE' });
  });
});
