/**
 * Key rotation and static export, server side: after a rotation keys version
 * n+1 is signed by the old key and the new one and documents are signed by
 * the new key; `exportRegistry` writes the documented files and a plain
 * static file server (node:http, port 0) serves them byte for byte as signed
 * envelopes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Window } from 'happy-dom';
import { describe, expect, it } from 'vitest';
import { Signer, exportRegistry, rotateKeyring } from '../../registry-server/index.js';
import type { Envelope } from '../../src/core/trust/envelope.js';
import { get, pluginPackage, pluginPath, publish, publishRequest, sha256Hex, tempDir } from './helpers.js';
import { currentKeys, expectSignedBy, getEnvelope, signatureVerifies, staticServer, trustRegistry } from './trust-helpers.js';

describe('key rotation', () => {
  it('publishes keys version 2 signed by the old and new key, then signs with the new key', async () => {
    const registry = await trustRegistry({ signing: { revalidateMs: 0 } });
    await publish(registry, 'hello', '1.0.0');
    const before = await currentKeys(registry);
    const oldDocument = JSON.parse(((await (await getEnvelope(registry, pluginPath('hello'))).json()) as Envelope).payload);
    await rotateKeyring(registry.trust, { ttlMs: 7 * 86_400_000, now: Date.now() });

    const two = (await (await get(registry, '/v1/keys/2')).json()) as Envelope;
    const payload = JSON.parse(two.payload);
    expect(payload).toMatchObject({ type: 'keys', version: 2, registry: `plughub:${before.keys[0]!.keyid}`, threshold: 1 });
    expect(payload.keys).toHaveLength(1);
    expect(payload.keys[0].keyid).not.toBe(before.keys[0]!.keyid);
    await expectSignedBy(two, [...before.keys, ...payload.keys]);
    expect(two.signatures).toHaveLength(2);
    expect((await currentKeys(registry)).version).toBe(2);
    expect(await (await get(registry, '/v1/keys/1')).json()).toEqual(before.envelope);

    const document = (await (await getEnvelope(registry, pluginPath('hello'))).json()) as Envelope;
    expect(document.signatures.map((s) => s.keyid)).toEqual([payload.keys[0].keyid]);
    const signed = await expectSignedBy(document, payload.keys);
    expect(signed.version).toBe(oldDocument.version + 1);
    expect(signed.registry).toBe(oldDocument.registry);
    expect(await signatureVerifies(document, before.keys[0]!.publicKey, document.signatures[0]!.sig)).toBe(false);
  });
});

describe('exportRegistry', () => {
  it('writes the documented files, served byte-identical by a plain static server', async () => {
    const registry = await trustRegistry({ driver: 'memory', signing: { revalidateMs: 0 } });
    const { entry } = await publish(registry, '@acme/hello', '1.0.0');
    await publish(registry, 'plain', '2.0.0');
    const signedBefore = JSON.parse(((await (await getEnvelope(registry, pluginPath('plain'))).json()) as Envelope).payload);
    const out = await tempDir();
    const signer = new Signer({ store: registry.trust });
    const ttlMs = 30 * 86_400_000;
    const result = await exportRegistry({ storage: registry.storage, signer, out, ttlMs });
    const blobs = [entry.dist.url.slice(1), ((await (await get(registry, pluginPath('plain'))).json()) as any).versions['2.0.0'].dist.url.slice(1)].sort();
    expect(result.files).toEqual(
      [
        'v1/index',
        'v1/plugins/index.html',
        'v1/plugins/@acme/hello',
        'v1/plugins/@acme%2Fhello',
        'v1/plugins/plain',
        'v1/keys/1',
        'v1/keys/2',
        'v1/keys/index.html',
        ...blobs,
      ].sort(),
    );
    const base = await staticServer(out);
    const { keys } = await currentKeys(registry);
    for (const file of result.files) {
      const response = await fetch(`${base}/${file.replace('%', '%25')}`);
      expect(response.status, file).toBe(200);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(await readFile(join(out, file))));
    }
    const viaDirectory = (await (await fetch(`${base}/v1/keys`)).json()) as Envelope;
    const keysPayload = await expectSignedBy(viaDirectory, keys);
    expect(keysPayload).toMatchObject({ type: 'keys', version: 2 });
    expect(Date.parse(keysPayload.expires) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    for (const path of ['v1/plugins/@acme/hello', 'v1/plugins/@acme%252Fhello']) {
      const envelope = (await (await fetch(`${base}/${path}`)).json()) as Envelope;
      const payload = await expectSignedBy(envelope, keys);
      expect(payload).toMatchObject({ type: 'document', name: '@acme/hello' });
      expect(Date.parse(payload.expires) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    }
    const list = await expectSignedBy((await (await fetch(`${base}/v1/index`)).json()) as Envelope, keys);
    expect(list.plugins.map((p: { name: string }) => p.name)).toEqual(['@acme/hello', 'plain']);
    const blob = new Uint8Array(await (await fetch(`${base}/${blobs[0]}`)).arrayBuffer());
    expect(blobs[0]).toContain(sha256Hex(blob));

    const served = await expectSignedBy((await (await getEnvelope(registry, pluginPath('plain'))).json()) as Envelope, keys);
    expect(served.version).toBe(signedBefore.version + 1);
    const exported = JSON.parse(await readFile(join(out, 'v1/plugins/plain'), 'utf8')) as Envelope;
    expect(served).toEqual(JSON.parse(exported.payload));
  });
});

describe('exportRegistry and markup', () => {
  const description = '<script>window.pwned = 1</script><img src=x onerror=alert(1)> & \u2028\u2029 </textarea>';

  it('escapes < > & U+2028 U+2029 in every JSON file, so no exported page holds an element, and signatures still verify', async () => {
    const registry = await trustRegistry({ driver: 'memory', signing: { revalidateMs: 0 } });
    const { bytes } = await pluginPackage('xss', '1.0.0', { manifestExtra: { description } });
    expect((await registry.fetch(publishRequest('xss', '1.0.0', bytes, { token: registry.adminToken }))).status).toBe(201);
    const out = await tempDir();
    const result = await exportRegistry({ storage: registry.storage, signer: new Signer({ store: registry.trust }), out, ttlMs: 30 * 86_400_000 });
    const { keys } = await currentKeys(registry);
    const metadata = result.files.filter((file) => !file.startsWith('v1/blobs/'));
    expect(metadata).toEqual(expect.arrayContaining(['v1/plugins/index.html', 'v1/keys/index.html', 'v1/plugins/xss', 'v1/index']));
    for (const file of metadata) {
      const text = await readFile(join(out, file), 'utf8');
      expect(text, file).not.toMatch(/[<>&\u2028\u2029]/);
      const envelope = JSON.parse(text) as Envelope;
      const payload = await expectSignedBy(envelope, keys);
      if (payload.type === 'document') expect(payload.document.versions['1.0.0'].manifest.description).toBe(description);
      if (payload.type === 'list') expect(payload.plugins).toEqual([expect.objectContaining({ name: 'xss', description })]);
    }
    for (const file of ['v1/plugins/index.html', 'v1/keys/index.html']) {
      const window = new Window({ settings: { disableJavaScriptEvaluation: true, disableJavaScriptFileLoading: true } });
      const page = new window.DOMParser().parseFromString(await readFile(join(out, file), 'utf8'), 'text/html');
      expect(
        [...page.querySelectorAll('*')].map((element) => element.tagName),
        file,
      ).toEqual(['HTML', 'HEAD', 'BODY']);
      await window.happyDOM.close();
    }
  });
});
