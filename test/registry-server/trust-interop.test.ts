/**
 * The signing server with the host's verifier (src/node createPluginHost with
 * trustedKeys): a plugin loads from the server, still loads after a key
 * rotation (the host walks /v1/keys/:n), loads from a `exportRegistry`
 * mirror on a plain static file server, and does not load from that mirror
 * once one byte of its document is changed. Author signatures made by the
 * CLI's signer and checked by the server's publish verify in a host that
 * requires them for every name (`'*'`), dependencies included.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Signer, exportRegistry, rotateKeyring, serveNode } from '../../registry-server/index.js';
import { createPluginHost } from '../../src/node/index.js';
import { authorSignatureHeader } from '../../src/node/cli/author-signature.js';
import { generateSigningKey } from '../../src/core/trust/envelope.js';
import { onCleanup, pluginPackage, publish, publishRequest, tempDir } from './helpers.js';
import { currentKeys, staticServer, trustRegistry } from './trust-helpers.js';

async function served(registry: Awaited<ReturnType<typeof trustRegistry>>): Promise<string> {
  const server = await serveNode(registry, { port: 0, host: '127.0.0.1' });
  onCleanup(() => server.close());
  return server.url;
}

async function host(url: string, publicKey: string) {
  const made = createPluginHost({ registry: url, cacheDir: await tempDir(), trustedKeys: [publicKey] });
  onCleanup(() => made.close()); // before its directory goes: close waits for the cache writes that follow a load
  return made;
}

describe('server and host together', () => {
  it('loads from the server, and again after a key rotation', async () => {
    const registry = await trustRegistry({ signing: { revalidateMs: 0 } });
    await publish(registry, 'hello', '1.0.0');
    const url = await served(registry);
    const { keys } = await currentKeys(registry);
    expect((await (await host(url, keys[0]!.publicKey)).load('hello@^1')).version).toBe('1.0.0');
    await rotateKeyring(registry.trust, { ttlMs: 7 * 86_400_000, now: Date.now() });
    await publish(registry, 'hello', '1.1.0');
    expect((await (await host(url, keys[0]!.publicKey)).load('hello@^1')).version).toBe('1.1.0');
  });

  it('loads from an exported static mirror, and refuses it with one byte changed', async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    await publish(registry, '@acme/hello', '1.0.0');
    const out = await tempDir();
    await exportRegistry({ storage: registry.storage, signer: new Signer({ store: registry.trust }), out, ttlMs: 30 * 86_400_000 });
    const url = await staticServer(out);
    const { keys } = await currentKeys(registry);
    expect((await (await host(url, keys[0]!.publicKey)).load('@acme/hello@^1')).version).toBe('1.0.0');
    for (const file of ['v1/plugins/@acme/hello', 'v1/plugins/@acme%2Fhello']) {
      const path = join(out, file);
      await writeFile(path, (await readFile(path, 'utf8')).replace('plughub:', 'plughuB:'));
    }
    const error = await (await host(url, keys[0]!.publicKey)).load('@acme/hello@^1').catch((e: unknown) => e);
    expect((error as Error).name).toBe('SignatureError');
  });

  it("loads a plugin and its dependency signed by the CLI's author signer and checked by the server, with authorKeys '*'", async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    const dir = await tempDir();
    const author = await generateSigningKey();
    await writeFile(join(dir, 'author.json'), JSON.stringify({ keyid: author.keyid, publicKey: author.publicKey, privateKey: author.privateKeyPkcs8 }));
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: dir };
    const signedPublish = async (name: string, version: string, manifestExtra: Record<string, unknown>) => {
      const { bytes } = await pluginPackage(name, version, { manifestExtra });
      const headers = await authorSignatureHeader(io, ['author.json'], bytes);
      const response = await registry.fetch(publishRequest(name, version, bytes, { token: registry.adminToken, headers }));
      expect(response.status, await response.clone().text()).toBe(201);
    };
    await signedPublish('lib', '1.0.0', { engines: { host: '^2' } });
    await signedPublish('app', '1.0.0', { dependencies: { lib: '^1' }, engines: { host: '>=2' } });
    const url = await served(registry);
    const { keys } = await currentKeys(registry);
    const options = { registry: url, trustedKeys: [keys[0]!.publicKey], hostVersion: '2.1.0', authorKeys: { '*': [author.publicKey] } };
    const loaded = createPluginHost({ ...options, cacheDir: await tempDir() });
    expect((await loaded.load('app')).version).toBe('1.0.0');
    expect(
      loaded
        .list()
        .map((plugin) => plugin.name)
        .sort(),
    ).toEqual(['app', 'lib']);
    await loaded.close();
    const other = await generateSigningKey();
    const refused = createPluginHost({ ...options, cacheDir: await tempDir(), authorKeys: { app: [author.publicKey], '*': [other.publicKey] } });
    await expect(refused.load('app')).rejects.toMatchObject({ name: 'SignatureError', message: expect.stringContaining('lib@1.0.0') });
    expect(refused.list()).toEqual([]);
    await refused.close();
  });
});
