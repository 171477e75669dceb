/**
 * A host with trustedKeys against a signing registry (the registry double
 * behind trust-fixture.ts's signing front): signed documents load; a
 * tampered, unsigned, wrongly signed, under-threshold, mixed-and-matched,
 * expired or rolled-back document is refused with its own error, nothing is
 * downloaded on its word and nothing is cached; a blob that does not match a
 * correctly signed integrity and a document over the size limit are refused.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/core/host/create.js';
import { createMemoryTrustStore } from '../../../src/core/trust/memory-trust-store.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { DOCUMENT_PAYLOAD_TYPE } from '../../../src/core/trust/envelope.js';
import { loadCached, publish } from '../host/fixture.js';
import { signedSetup, testKey } from './fixture.js';

const HELLO = 'export default { execute: () => "hello" };';

async function world() {
  const t = await signedSetup();
  await publish(t.registry, 'hello', '1.0.0', HELLO);
  const trustStore = createMemoryTrustStore();
  const host = (extra: Parameters<typeof t.host>[0] = {}) => t.host({ trustedKeys: [t.key.publicKey], trustStore, now: () => t.state.now, ...extra });
  /** Asserts nothing was downloaded or cached for `name`. */
  async function nothingCached(name = 'hello') {
    expect(t.blobRequests()).toEqual([]);
    expect(await t.cache.list()).toEqual([]);
    expect(await t.documents.get(t.client.url, name)).toBeUndefined();
  }
  return { ...t, trustStore, host, nothingCached };
}

describe('a host with trustedKeys', () => {
  it('loads a signed plugin and caches the verified envelope, not a bare document', async () => {
    const t = await world();
    const host = t.host();
    const plugin = await loadCached(host, 'hello@^1');
    expect(await host.execute('hello')).toBe('hello');
    expect(plugin.version).toBe('1.0.0');
    const cached = await t.documents.get(t.client.url, 'hello');
    expect(cached?.envelope?.payloadType).toBe(DOCUMENT_PAYLOAD_TYPE);
    expect(JSON.parse(cached!.envelope!.payload)).toMatchObject({ type: 'document', name: 'hello', version: 1 });
    const sent = t.registry.requests.find((r) => r.url.endsWith('/v1/plugins/hello') && r.headers.get('accept') !== 'application/json');
    expect(sent?.headers.get('accept')).toBe('application/vnd.plughub.envelope+json');
  });

  it('refuses an unsigned document (plain JSON) with a SignatureError', async () => {
    const t = await world();
    t.serve('hello', async () => t.json((JSON.parse((await t.signDocument('hello')).payload) as { document: unknown }).document));
    await expect(t.host().load('hello')).rejects.toMatchObject({ name: 'SignatureError', code: 'E_SIGNATURE', message: expect.stringContaining('unsigned') });
    await t.nothingCached();
  });

  it('refuses a tampered payload', async () => {
    const t = await world();
    t.serve('hello', async () => {
      const envelope = await t.signDocument('hello');
      return t.json({ ...envelope, payload: envelope.payload.replace('"1.0.0"', '"1.0.0" ') });
    });
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('no signature verifies') });
    await t.nothingCached();
  });

  it('refuses a document signed by a key it does not trust (the key chain does not vouch for it)', async () => {
    const t = await world();
    const stranger = await testKey();
    t.serve('hello', async () => t.json(await t.signDocument('hello', {}, [stranger.signing])));
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('signed by no trusted key') });
    await t.nothingCached();
  });

  it('refuses an envelope without signatures', async () => {
    const t = await world();
    t.serve('hello', async () => t.json({ ...(await t.signDocument('hello')), signatures: [] }));
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('no signature') });
    await t.nothingCached();
  });

  it('refuses a document below the threshold', async () => {
    const t = await world();
    const second = await testKey();
    const host = t.host({ trustedKeys: [t.key.publicKey, second.publicKey], threshold: 2 });
    await expect(host.load('hello')).rejects.toMatchObject({
      code: 'E_SIGNATURE',
      message: expect.stringContaining('1 valid trusted signature(s), 2 required'),
    });
    await t.nothingCached();
    t.state.signers = [t.key.signing, second.signing];
    expect((await host.load('hello')).version).toBe('1.0.0');
  });

  it('refuses an expired document with an ExpiredError', async () => {
    const t = await world();
    t.state.lifetimeMs = -1;
    await expect(t.host().load('hello')).rejects.toMatchObject({ name: 'ExpiredError', code: 'E_EXPIRED' });
    await t.nothingCached();
  });

  it('refuses mix-and-match: the signed document of another plugin, or of another registry', async () => {
    const t = await world();
    await publish(t.registry, 'other', '1.0.0', HELLO);
    const restore = t.serve('hello', async () => t.json(await t.signDocument('other')));
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('mix-and-match') });
    await t.nothingCached();
    restore();
    const elsewhere = t.host({ registryId: 'plughub:another-registry' });
    await expect(elsewhere.load('hello')).rejects.toMatchObject({
      code: 'E_SIGNATURE',
      message: expect.stringMatching(/signed by registry .* not "plughub:another-registry"/),
    });
    await t.nothingCached();
  });

  it('pins the registry identity of the first verified document', async () => {
    const t = await world();
    await publish(t.registry, 'other', '1.0.0', HELLO);
    await loadCached(t.host(), 'hello');
    t.state.registryId = 'plughub:impostor';
    await expect(t.host().load('other')).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('mix-and-match') });
  });

  it('refuses a rollback to an older signed document, also in a new host with the same state store', async () => {
    const t = await world();
    const old = await t.signDocument('hello');
    const host = t.host();
    await host.load('hello@^1');
    await publish(t.registry, 'hello', '1.1.0', HELLO);
    expect((await host.upgrade('hello')).version).toBe('1.1.0');
    t.serve('hello', () => t.json(old));
    await expect(host.checkUpdates()).resolves.toMatchObject({ failed: [{ name: 'hello', error: expect.objectContaining({ code: 'E_ROLLBACK' }) }] });
    const restarted = createHost({
      registry: createRegistryClient({ url: t.registry.url, fetch: t.registry.fetch, retry: 0 }),
      trustedKeys: [t.key.publicKey],
      trustStore: t.trustStore,
    });
    await expect(restarted.load('hello')).rejects.toMatchObject({ name: 'RollbackError', code: 'E_ROLLBACK', seen: 2, offered: 1 });
    expect(JSON.parse((await t.documents.get(t.client.url, 'hello'))!.envelope!.payload).version).toBe(2);
  });

  it('refuses a blob that does not match a correctly signed integrity, and caches nothing of it', async () => {
    const t = await world();
    t.registry.intercept((request) =>
      new URL(request.url).pathname.startsWith('/v1/blobs/') ? new Response('export default { execute: () => "evil" };') : undefined,
    );
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(await t.cache.list()).toEqual([]);
  });

  it('aborts a document over the size limit while streaming and caches nothing', async () => {
    const t = await world();
    let pulled = 0;
    t.serve(
      'hello',
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              pulled += 1;
              controller.enqueue(new Uint8Array(1024).fill(32));
            },
          }),
        ),
    );
    const host = createHost({
      registry: t.registry.url,
      fetch: t.registry.fetch,
      maxDocumentBytes: 4096,
      trustedKeys: [t.key.publicKey],
      documents: t.documents,
      cache: t.cache,
    });
    await expect(host.load('hello')).rejects.toMatchObject({ name: 'SizeLimitError', code: 'E_TOO_LARGE' });
    expect(pulled).toBeLessThan(10);
    await t.nothingCached();
  });

  it('verifies the cached envelope again offline, and refuses it once expired', async () => {
    const t = await world();
    await loadCached(t.host(), 'hello');
    t.registry.intercept(() => Promise.reject(new TypeError('fetch failed')));
    const offline = t.host();
    expect((await offline.load('hello')).version).toBe('1.0.0');
    t.state.now += 8 * 24 * 60 * 60 * 1000;
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_EXPIRED' });
  });

  it('refuses a cached bare document (no envelope) offline', async () => {
    const t = await world();
    await loadCached(t.host({ trustedKeys: undefined }), 'hello');
    expect((await t.documents.get(t.client.url, 'hello'))?.envelope).toBeUndefined();
    t.registry.intercept(() => Promise.reject(new TypeError('fetch failed')));
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('unsigned') });
  });

  it('verifies the cached envelope again on a 304', async () => {
    const t = await world();
    await loadCached(t.host(), 'hello');
    const again = t.host();
    expect((await again.load('hello')).version).toBe('1.0.0');
    const last = t.registry.requests.filter((r) => r.headers.get('accept') === 'application/vnd.plughub.envelope+json').at(-1);
    expect(last?.headers.get('if-none-match')).toBe('"v1"');
    t.state.now += 8 * 24 * 60 * 60 * 1000;
    await expect(t.host().load('hello')).rejects.toMatchObject({ code: 'E_EXPIRED' });
  });

  it('reads signed documents unverified when no trustedKeys are configured', async () => {
    const t = await world();
    const signed = await t.signDocument('hello');
    t.registry.intercept((request) => (request.url.endsWith('/v1/plugins/hello') ? t.json(signed) : undefined));
    expect((await t.host({ trustedKeys: undefined }).load('hello')).version).toBe('1.0.0');
  });

  it('accepts an envelope signed by several keys when one is trusted', async () => {
    const t = await world();
    const extra = await testKey();
    t.state.signers = [(await testKey()).signing, t.key.signing, extra.signing];
    expect((await t.host().load('hello')).version).toBe('1.0.0');
  });
});
