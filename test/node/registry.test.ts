/**
 * The Node host against the real registry server over loopback: loading,
 * the tamper cases of issue 4 (each refused with IntegrityError, nothing bad
 * cached, the good copy still used when there is one) and offline use.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { describe, expect, it } from 'vitest';
import { isIntegrityError, isRegistryError, type IntegrityError } from '../../src/core/errors/index.js';
import { computeIntegrity, integrityToHex } from '../../src/core/integrity.js';
import { nodeHost, pluginSource, tempDir } from './helpers.js';
import { startRegistry } from './registry-fixture.js';
import { createFsDocumentCache } from '../../src/node/cache/document-cache.js';
import { expireDocument } from '../core/host/fixture.js';

function recordingLog() {
  const warnings: string[] = [];
  return { warnings, log: { debug() {}, info() {}, error() {}, warn: (...args: unknown[]) => void warnings.push(args.join(' ')) } };
}

describe('Node host with the registry server', () => {
  it('resolves, downloads, verifies, caches and imports a plugin, and runs it with context values', async () => {
    const registry = await startRegistry();
    const entry = await registry.publish('hello', '1.2.0', pluginSource('hello'));
    const host = await nodeHost({ registry: registry.client });
    const plugin = await host.load('hello@^1');
    expect([plugin.version, plugin.integrity]).toEqual(['1.2.0', entry.dist.integrity]);
    expect(plugin.origin).toEqual({ kind: 'registry', registry: registry.url, range: '^1' });
    expect(await host.execute('hello', { values: { who: 'Node' } })).toEqual({ tag: 'hello', who: 'Node', count: 1 });
    await host.settled();
    expect((await host.cache.list()).map((b) => b.integrity)).toEqual([entry.dist.integrity]);
    expect((await host.documents.get(registry.url, 'hello'))?.etag).toBeTruthy();
    await host.close();
  });

  describe('tampering', () => {
    it('refuses a blob altered on the server disk: IntegrityError, nothing cached', async () => {
      const registry = await startRegistry();
      const entry = await registry.publish('hello', '1.0.0', pluginSource('good'));
      await registry.tamperBlob(integrityToHex(entry.dist.integrity).hex, pluginSource('evil'));
      const host = await nodeHost({ registry: registry.client });
      const error = (await host.load('hello').catch((e: unknown) => e)) as IntegrityError;
      expect(isIntegrityError(error)).toBe(true);
      expect(error.message).toMatch(
        /^hello@1\.0\.0: sha256 of http:\/\/127\.0\.0\.1:\d+\/v1\/blobs\/sha256\/[0-9a-f]{64} does not match \(expected sha256-.*, got sha256-.*\)$/,
      );
      expect(error.expected).toBe(entry.dist.integrity);
      expect(await host.cache.list()).toEqual([]);
      expect(host.get('hello')).toBeUndefined();
    });

    it('keeps using the good cached copy when the server blob is altered afterwards', async () => {
      const registry = await startRegistry();
      const entry = await registry.publish('hello', '1.0.0', pluginSource('good'));
      const cacheDir = await tempDir();
      const first = await nodeHost({ registry: registry.client, cacheDir });
      await first.load('hello');
      await first.settled();
      await registry.tamperBlob(integrityToHex(entry.dist.integrity).hex, pluginSource('evil'));
      const host = await nodeHost({ registry: registry.client, cacheDir });
      expect(await (await host.load('hello')).execute()).toMatchObject({ tag: 'good' });
    });

    it('drops a blob altered in the client cache, never imports it, and downloads the good copy again', async () => {
      const registry = await startRegistry();
      const entry = await registry.publish('hello', '1.0.0', pluginSource('good'));
      const cacheDir = await tempDir();
      const first = await nodeHost({ registry: registry.client, cacheDir });
      await first.load('hello');
      await first.settled();
      const path = first.cache.pathOf(entry.dist.integrity);
      await writeFile(path, pluginSource('evil'));
      const { warnings, log } = recordingLog();
      const host = await nodeHost({ registry: registry.client, cacheDir, log });
      expect(await (await host.load('hello')).execute()).toMatchObject({ tag: 'good' });
      await host.settled();
      expect(warnings.join('\n')).toMatch(/hello@1\.0\.0: cached bundle .* is corrupted; removing it and downloading again/);
      expect(await readFile(path, 'utf8')).toBe(pluginSource('good'));
    });

    it('refuses an altered cached blob while the server is down, without importing it or keeping it', async () => {
      const registry = await startRegistry();
      const entry = await registry.publish('hello', '1.0.0', pluginSource('good'));
      const cacheDir = await tempDir();
      const first = await nodeHost({ registry: registry.client, cacheDir });
      await first.load('hello');
      await first.settled();
      await writeFile(first.cache.pathOf(entry.dist.integrity), pluginSource('evil'));
      await registry.close();
      const { log } = recordingLog();
      const host = await nodeHost({ registry: registry.client, cacheDir, log });
      const error = await host.load('hello').catch((e: unknown) => e);
      expect(isRegistryError(error)).toBe(true);
      expect(host.get('hello')).toBeUndefined();
      expect(await host.cache.has(entry.dist.integrity)).toBe(false);
    });

    it('refuses a document whose integrity does not match the blob, and the running version keeps serving', async () => {
      const registry = await startRegistry();
      await registry.publish('hello', '1.0.0', pluginSource('v1'));
      const host = await nodeHost({ registry: registry.client });
      expect((await host.load('hello@^1')).version).toBe('1.0.0');
      const v2 = await registry.publish('hello', '1.1.0', pluginSource('v2'));
      const document = JSON.parse(await readFile(registry.documentPath('hello'), 'utf8'));
      const forged = await computeIntegrity(new TextEncoder().encode('some other bundle'));
      document.versions['1.1.0'].dist.integrity = forged;
      await writeFile(registry.documentPath('hello'), JSON.stringify(document));

      const error = (await host.upgrade('hello').catch((e: unknown) => e)) as IntegrityError;
      expect(isIntegrityError(error)).toBe(true);
      expect(error.message).toBe(`hello@1.1.0: sha256 of ${registry.url}${v2.dist.url} does not match (expected ${forged}, got ${v2.dist.integrity})`);
      expect(host.get('hello')!.version).toBe('1.0.0');
      expect(await host.execute('hello')).toMatchObject({ tag: 'v1' });
      expect((await host.cache.list()).map((b) => b.integrity)).toEqual([host.get('hello')!.integrity]);

      const fresh = await nodeHost({ registry: registry.client });
      expect(isIntegrityError(await fresh.load('hello@^1').catch((e: unknown) => e))).toBe(true);
      expect(await fresh.cache.list()).toEqual([]);
    });
  });

  describe('offline', () => {
    it('loads a cached plugin after the server stopped, and says so in the log', async () => {
      const registry = await startRegistry();
      await registry.publish('hello', '1.0.0', pluginSource('cached'));
      const cacheDir = await tempDir();
      const first = await nodeHost({ registry: registry.client, cacheDir });
      await first.load('hello@^1');
      await first.settled();
      // Past the document's max-age, so that the load asks the (stopped) registry.
      await expireDocument(createFsDocumentCache(cacheDir), registry.client.url, 'hello');
      await registry.close();
      const { warnings, log } = recordingLog();
      const host = await nodeHost({ registry: registry.client, cacheDir, log });
      expect(await (await host.load('hello@^1')).execute({ values: { who: 'offline' } })).toMatchObject({ tag: 'cached', who: 'offline' });
      expect(warnings.join('\n')).toMatch(/hello: registry unreachable, using the cached document/);
    });

    it('fails a never-seen plugin with "unreachable and not cached"', async () => {
      // A listener that drops every connection: unlike a closed port, no other test's server can take it over.
      const dead = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
        const host = await nodeHost({ registry: createRegistryClient({ url, retry: 0, timeoutMs: 5_000 }) });
        const error = await host.load('never-seen@^1').catch((e: unknown) => e);
        expect(isRegistryError(error)).toBe(true);
        expect((error as Error).message).toMatch(
          new RegExp(`^never-seen: the registry at ${url.replace(/\./g, '\\.')} is unreachable and this plugin is not cached \\(`),
        );
      } finally {
        await new Promise<void>((resolve) => dead.close(() => resolve()));
      }
    });
  });
});
