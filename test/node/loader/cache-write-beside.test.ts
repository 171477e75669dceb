/**
 * A Node host imports a bundle from its private copy before the bundle is
 * written to the filesystem cache: the loader learns the cache's file URL
 * from BlobCache.urlOf, which needs no stored file, and never reads the
 * cache file itself; the write starts once the import is done, and
 * host.settled() waits for it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/core/host/create.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { createFsBlobCache } from '../../../src/node/cache/blob-cache.js';
import { createFileLoader } from '../../../src/node/loader/file-loader.js';
import { publish } from '../../core/host/fixture.js';
import { createRegistryDouble } from '../../core/registry/double.js';
import { tempDir } from '../helpers.js';

describe('a load on the filesystem cache', () => {
  it('imports the private copy before the blob is stored, and stores it once the import is done', async () => {
    const registry = createRegistryDouble();
    await publish(registry, 'located', '1.0.0', `export function execute() { return import.meta.url; }`);
    const cache = createFsBlobCache(await tempDir());
    const privateDir = await tempDir();
    const files = createFileLoader({ privateDir });
    let storedAtImport: string | undefined;
    const host = createHost({
      registry: createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 0 }),
      cache,
      loader: {
        async import(source) {
          expect(source.url).toBe(cache.urlOf(source.integrity));
          storedAtImport = await cache.locate(source.integrity);
          return files.import(source);
        },
      },
    });
    const plugin = await host.load('located');
    const url = (await plugin.execute()) as string;
    expect(fileURLToPath(url).startsWith(privateDir)).toBe(true);
    expect(storedAtImport).toBeUndefined();
    await host.settled();
    expect(await cache.locate(plugin.integrity)).toBe(cache.urlOf(plugin.integrity));
    await host.close();
  });
});
