/**
 * Signed registry metadata, server side: document, list and keys envelopes
 * verify with the registry's public key (checked with crypto.subtle
 * directly), versions increase with every change and survive a restart,
 * signatures are renewed before they expire, Accept negotiation leaves plain
 * GETs as they were, and author signatures are checked and kept.
 */
import { describe, expect, it } from 'vitest';
import { createFileTokenStore, createFsStorage, createFsSigningStore, createRegistry } from '../../registry-server/index.js';
import { bytesToBase64, generateSigningKey, importSigningKey, keyIdOf, base64ToBytes, type Envelope } from '../../src/core/trust/envelope.js';
import { ORIGIN, errorOf, get, onCleanup, pluginPackage, pluginPath, publish, publishRequest } from './helpers.js';
import { currentKeys, expectSignedBy, getEnvelope, trustRegistry } from './trust-helpers.js';

const DAY = 86_400_000;

async function signedDocument(registry: Parameters<typeof getEnvelope>[0], name: string) {
  const response = await getEnvelope(registry, pluginPath(name));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/vnd.plughub.envelope+json; charset=utf-8');
  expect(response.headers.get('vary')).toBe('Accept');
  return (await response.json()) as Envelope;
}

describe.each(['fs', 'memory'] as const)('signed documents (%s)', (driver) => {
  it('serves a document envelope that verifies with the registry key', async () => {
    const registry = await trustRegistry({ driver });
    const { entry } = await publish(registry, '@acme/hello', '1.0.0');
    const { keys } = await currentKeys(registry);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.keyid).toBe(await keyIdOf(base64ToBytes(keys[0]!.publicKey)));
    expect(keys[0]!.keyid).toMatch(/^[0-9a-f]{64}$/);
    const envelope = await signedDocument(registry, '@acme/hello');
    expect(envelope.payloadType).toBe('application/vnd.plughub.document+json');
    const payload = await expectSignedBy(envelope, keys);
    expect(Object.keys(payload)).toEqual(['type', 'registry', 'version', 'expires', 'name', 'document']);
    expect(payload).toMatchObject({ type: 'document', registry: `plughub:${keys[0]!.keyid}`, version: 1, name: '@acme/hello' });
    expect(Date.parse(payload.expires) - Date.now()).toBeGreaterThan(6 * DAY);
    expect(payload.document.versions['1.0.0'].dist).toEqual(entry.dist);
    const plain = await get(registry, pluginPath('@acme/hello'));
    expect(plain.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await plain.json()).toEqual(payload.document);
  });

  it('bumps the version on every publish and yank, and not without a change', async () => {
    const registry = await trustRegistry({ driver });
    await publish(registry, 'hello', '1.0.0');
    const versionOf = async () => JSON.parse((await signedDocument(registry, 'hello')).payload).version as number;
    expect(await versionOf()).toBe(1);
    expect(await versionOf()).toBe(1);
    await publish(registry, 'hello', '1.1.0');
    expect(await versionOf()).toBe(2);
    const yank = await registry.fetch(
      new Request(`${ORIGIN}${pluginPath('hello', '1.1.0')}/yank`, { method: 'POST', headers: { authorization: `Bearer ${registry.adminToken}` } }),
    );
    expect(yank.status).toBe(200);
    const envelope = await signedDocument(registry, 'hello');
    const payload = await expectSignedBy(envelope, (await currentKeys(registry)).keys);
    expect(payload.version).toBe(3);
    expect(payload.document.versions['1.1.0'].yanked).toBe(true);
  });

  it('signs the whole plugin list, with its own counter', async () => {
    const registry = await trustRegistry({ driver });
    await publish(registry, 'alpha', '1.0.0');
    await publish(registry, 'beta', '1.0.0');
    const list = async () => {
      const response = await getEnvelope(registry, '/v1/plugins?q=alpha&limit=1');
      expect(response.status).toBe(200);
      const envelope = (await response.json()) as Envelope;
      expect(envelope.payloadType).toBe('application/vnd.plughub.plugin-list+json');
      return expectSignedBy(envelope, (await currentKeys(registry)).keys);
    };
    const first = await list();
    expect(first).toMatchObject({ type: 'list', version: 1 });
    expect(first.plugins.map((p: { name: string }) => p.name)).toEqual(['alpha', 'beta']);
    await publish(registry, 'gamma', '1.0.0');
    const second = await list();
    expect(second.version).toBe(2);
    expect(second.plugins).toHaveLength(3);
    const plain = (await (await get(registry, '/v1/plugins?q=alpha')).json()) as { total: number };
    expect(plain.total).toBe(1);
  });

  it('re-signs a document and the keys when expiry is less than a day away', async () => {
    let now = Date.now();
    const registry = await trustRegistry({ driver, now: () => now, signing: { revalidateMs: 0 } });
    await publish(registry, 'hello', '1.0.0');
    const before = JSON.parse((await signedDocument(registry, 'hello')).payload);
    const keysBefore = await currentKeys(registry);
    now += 6 * DAY + 1;
    const after = await expectSignedBy(await signedDocument(registry, 'hello'), keysBefore.keys);
    expect(after.version).toBe(before.version + 1);
    expect(Date.parse(after.expires)).toBe(now + 7 * DAY);
    const keysAfter = await currentKeys(registry);
    expect(keysAfter.version).toBe(keysBefore.version + 1);
    expect(keysAfter.keys).toEqual(keysBefore.keys);
  });

  it('answers 304 to a matching If-None-Match on an envelope', async () => {
    const registry = await trustRegistry({ driver });
    await publish(registry, 'hello', '1.0.0');
    const first = await getEnvelope(registry, pluginPath('hello'));
    const etag = first.headers.get('etag')!;
    const again = await registry.fetch(
      new Request(`${ORIGIN}${pluginPath('hello')}`, { headers: { accept: 'application/vnd.plughub.envelope+json', 'if-none-match': etag } }),
    );
    expect(again.status).toBe(304);
    const plain = await get(registry, pluginPath('hello'), { 'if-none-match': etag });
    expect(plain.status).toBe(200);
  });
});

describe('keys routes', () => {
  it('serves /v1/keys/1 and 404s an unknown version', async () => {
    const registry = await trustRegistry();
    const { envelope } = await currentKeys(registry);
    const one = await get(registry, '/v1/keys/1');
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(envelope);
    expect((await get(registry, '/v1/keys/2')).status).toBe(404);
    expect((await get(registry, '/v1/keys/x')).status).toBe(404);
  });

  it('caches /v1/keys briefly and /v1/keys/:version for good, whichever is asked first', async () => {
    for (const order of [
      ['/v1/keys', '/v1/keys/1'],
      ['/v1/keys/1', '/v1/keys'],
    ]) {
      const registry = await trustRegistry();
      const cacheControl: Record<string, string | null> = {};
      for (const path of order) cacheControl[path] = (await get(registry, path)).headers.get('cache-control');
      expect(cacheControl, order.join(' then ')).toEqual({ '/v1/keys': 'public, max-age=60', '/v1/keys/1': 'public, max-age=31536000, immutable' });
    }
  });

  it('keeps versions and keys across a restart of the data directory', async () => {
    const registry = await trustRegistry();
    await publish(registry, 'hello', '1.0.0');
    await signedDocument(registry, 'hello');
    await publish(registry, 'hello', '1.1.0');
    const before = JSON.parse((await signedDocument(registry, 'hello')).payload);
    const storage = createFsStorage(registry.directory!);
    onCleanup(() => storage.close());
    const restarted = createRegistry({
      storage,
      tokens: createFileTokenStore(registry.directory!),
      signing: { store: createFsSigningStore(registry.directory!) },
    });
    const { keys } = await currentKeys(registry);
    expect((await currentKeys(restarted)).keys).toEqual(keys);
    const after = await expectSignedBy(await signedDocument(restarted, 'hello'), keys);
    expect(after.version).toBe(before.version);
  });

  it('leaves a registry without signing as it was', async () => {
    const { testRegistry } = await import('./helpers.js');
    const registry = await testRegistry({ driver: 'memory' });
    await publish(registry, 'hello', '1.0.0');
    const response = await getEnvelope(registry, pluginPath('hello'));
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('vary')).toBeNull();
    expect((await get(registry, '/v1/keys')).status).toBe(404);
  });
});

describe('author signatures', () => {
  /**
   * A header signing the version 2 input, written out here (not taken from
   * envelope.ts): name, version, integrity and the canonical JSON of the
   * manifest's `dependencies` and `engines` (`fields`), or the version 1 input.
   */
  async function authorHeader(name: string, version: string, bundle: Uint8Array, fields = '{}', legacy = false) {
    const key = await generateSigningKey();
    const { computeIntegrity } = await import('../../src/core/integrity.js');
    const integrity = await computeIntegrity(bundle);
    const privateKey = await importSigningKey(key.privateKeyPkcs8);
    const text = legacy ? `plughub-author-v1\n${name}\n${version}\n${integrity}` : `plughub-author-v2\n${name}\n${version}\n${integrity}\n${fields}`;
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, new TextEncoder().encode(text)));
    return { key, header: `${key.publicKey} ${bytesToBase64(sig)}` };
  }

  it('keeps a valid author signature in the version entry, inside the signed document', async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    const { bytes, bundle } = await pluginPackage('hello', '1.0.0');
    const { key, header } = await authorHeader('hello', '1.0.0', bundle);
    const response = await registry.fetch(
      publishRequest('hello', '1.0.0', bytes, { token: registry.adminToken, headers: { 'plughub-author-signature': header } }),
    );
    expect(response.status).toBe(201);
    const entry = (await response.json()) as { authorSignatures: { keyid: string; sig: string }[] };
    expect(entry.authorSignatures).toEqual([{ keyid: key.keyid, sig: header.split(' ')[1] }]);
    const payload = await expectSignedBy(await signedDocument(registry, 'hello'), (await currentKeys(registry)).keys);
    expect(payload.document.versions['1.0.0'].authorSignatures).toEqual(entry.authorSignatures);
  });

  it("checks the signature over plugin.json's dependencies and engines, in canonical form", async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    const manifestExtra = { engines: { host: '^1' }, dependencies: { zeta: '^2', alpha: '~1.2' } };
    const { bytes, bundle } = await pluginPackage('hello', '1.0.0', { manifestExtra });
    const request = (header: string) =>
      publishRequest('hello', '1.0.0', bytes, { token: registry.adminToken, headers: { 'plughub-author-signature': header } });
    // Signed without the dependencies: the registry could have added them.
    const bare = await registry.fetch(request((await authorHeader('hello', '1.0.0', bundle, '{"engines":{"host":"^1"}}')).header));
    expect(bare.status).toBe(422);
    expect((await errorOf(bare)).code).toBe('E_BAD_SIGNATURE');
    const fields = '{"dependencies":{"alpha":"~1.2","zeta":"^2"},"engines":{"host":"^1"}}';
    const response = await registry.fetch(request((await authorHeader('hello', '1.0.0', bundle, fields)).header));
    expect(response.status).toBe(201);
  });

  it('refuses a signature over another version, or of version 1, with 422 E_BAD_SIGNATURE, storing nothing', async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    const { bytes, bundle } = await pluginPackage('hello', '1.0.0');
    for (const { header } of [await authorHeader('hello', '2.0.0', bundle), await authorHeader('hello', '1.0.0', bundle, '{}', true)]) {
      const response = await registry.fetch(
        publishRequest('hello', '1.0.0', bytes, { token: registry.adminToken, headers: { 'plughub-author-signature': header } }),
      );
      expect(response.status).toBe(422);
      expect((await errorOf(response)).message).toMatch(/plughub-author-v2/);
    }
    expect((await get(registry, pluginPath('hello'))).status).toBe(404);
  });

  it('refuses a header whose key is not 32 bytes or whose signature is not 64, in canonical base64, with 400 before reading the body', async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    const { bytes, bundle } = await pluginPackage('hello', '1.0.0');
    const { header } = await authorHeader('hello', '1.0.0', bundle);
    const [publicKey, sig] = header.split(' ') as [string, string];
    const malformed = [
      'A AAAA',
      'AAAA= AAAA',
      `${'A'.repeat(43)}= A`,
      `${publicKey} ${sig.slice(0, -2)}`,
      `${publicKey.slice(0, -1)} ${sig}`,
      `${publicKey.slice(0, -2)}B= ${sig}`,
      `AAAA ${sig}`,
      `${publicKey} ${bytesToBase64(new Uint8Array(63))}`,
      `${bytesToBase64(new Uint8Array(33))} ${sig}`,
    ];
    for (const value of malformed) {
      // A body of 64 chunks: one read by the server would pull most of them.
      let pulls = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulls += 1;
          controller.enqueue(pulls === 1 ? bytes : new Uint8Array(1024));
          if (pulls === 64) controller.close();
        },
      });
      const response = await registry.fetch(
        publishRequest('hello', '1.0.0', body, { token: registry.adminToken, headers: { 'plughub-author-signature': value } }),
      );
      expect(response.status, value).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('E_BAD_REQUEST');
      expect(error.message).toMatch(/32-byte|64-byte/);
      expect(pulls, value).toBeLessThanOrEqual(2);
    }
    expect((await get(registry, pluginPath('hello'))).status).toBe(404);
  });

  it('refuses more than 16 signatures in one publish with 400', async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    const { bytes, bundle } = await pluginPackage('hello', '1.0.0');
    const { header } = await authorHeader('hello', '1.0.0', bundle);
    const response = await registry.fetch(
      publishRequest('hello', '1.0.0', bytes, { token: registry.adminToken, headers: { 'plughub-author-signature': Array(17).fill(header).join(', ') } }),
    );
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('E_BAD_REQUEST');
  });
});
