/**
 * A Node host imports a bundle from its private copy while the bundle is
 * still being written to the filesystem cache: the loader learns the cache's
 * file URL from BlobCache.urlOf, which needs no stored file, and never reads
 * the cache file itself.
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
  it('imports the private copy before the cache write is done, and ends once the blob is stored', async () => {
    const registry = createRegistryDouble();
    await publish(registry, 'located', '1.0.0', `export function execute() { return import.meta.url; }`);
    const cache = createFsBlobCache(await tempDir());
    const privateDir = await tempDir();
    let imported!: () => void;
    const importStarted = new Promise<void>((resolve) => {
      imported = resolve;
    });
    const files = createFileLoader({ privateDir });
    const host = createHost({
      registry: createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 0 }),
      // The write waits for the import: a load that needed the stored file first would never end.
      cache: Object.assign(Object.create(cache) as typeof cache, {
        put: (integrity: string, bytes: Uint8Array) => importStarted.then(() => cache.put(integrity, bytes)),
      }),
      loader: {
        import(source) {
          imported();
          expect(source.url).toBe(cache.urlOf(source.integrity));
          return files.import(source);
        },
      },
    });
    const plugin = await host.load('located');
    const url = (await plugin.execute()) as string;
    expect(fileURLToPath(url).startsWith(privateDir)).toBe(true);
    expect(await cache.locate(plugin.integrity)).toBe(cache.urlOf(plugin.integrity));
    await host.close();
  });
});
