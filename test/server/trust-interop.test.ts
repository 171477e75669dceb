/**
 * The signing server with the host's verifier (src/node createPluginHost with
 * trustedKeys): a plugin loads from the server, still loads after a key
 * rotation (the host walks /v1/keys/:n), loads from a `exportRegistry`
 * mirror on a plain static file server, and does not load from that mirror
 * once one byte of its document is changed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Signer, exportRegistry, rotateKeyring, serveNode } from '../../registry-server/index.js';
import { createPluginHost } from '../../src/node/index.js';
import { onCleanup, publish, tempDir } from './helpers.js';
import { currentKeys, staticServer, trustRegistry } from './trust-helpers.js';

async function served(registry: Awaited<ReturnType<typeof trustRegistry>>): Promise<string> {
  const server = await serveNode(registry, { port: 0, host: '127.0.0.1' });
  onCleanup(() => server.close());
  return server.url;
}

async function host(url: string, publicKey: string) {
  return createPluginHost({ registry: url, cacheDir: await tempDir(), trustedKeys: [publicKey] });
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
});
