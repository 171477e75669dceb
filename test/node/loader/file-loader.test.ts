/**
 * The Node loader inside Vitest: module identity by content, private copies
 * instead of the shared cache file (written once per process, a stale file
 * under the name overwritten), data: URLs without a file: URL, and
 * import failures as PluginLoadError (native-node.test.ts runs it in plain Node).
 * The loader imports bytes the host has verified; host.test.ts shows that bytes
 * corrupted in the cache are never imported.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPluginLoadError, type PluginLoadError } from '../../../src/core/errors/index.js';
import { integrityToHex } from '../../../src/core/integrity.js';
import { createFileLoader } from '../../../src/node/loader/file-loader.js';
import { createFsBlobCache } from '../../../src/node/cache/blob-cache.js';
import { blob, pluginSource, tempDir } from '../helpers.js';

async function stored(text: string, dir: string) {
  const cache = createFsBlobCache(dir);
  const { bytes, integrity } = await blob(text);
  await cache.put(integrity, bytes);
  return { cache, bytes, integrity, url: (await cache.locate(integrity))! };
}

describe('file loader', () => {
  it('gives the same module instance for the same bytes and a new one for new bytes', async () => {
    const dir = await tempDir();
    const loader = createFileLoader({ privateDir: await tempDir() });
    const v1 = await stored(pluginSource('v1'), dir);
    const a = await loader.import({ name: 'p', version: '1.0.0', ...v1 });
    const b = await loader.import({ name: 'p', version: '1.0.0', ...v1 });
    expect(a).toBe(b);
    const v2 = await stored(pluginSource('v2'), dir);
    const c = await loader.import({ name: 'p', version: '2.0.0', ...v2 });
    expect(c).not.toBe(a);
    const run = async (ns: Record<string, unknown>) =>
      (ns.default as { execute: (ctx: unknown) => Promise<{ tag: string }> }).execute({ get: () => undefined }).then((r) => r.tag);
    expect([await run(a), await run(c)]).toEqual(['v1', 'v2']);
  });

  it('imports a private copy named by the hash, never the shared cache file', async () => {
    const dir = await tempDir();
    const privateDir = await tempDir();
    const loader = createFileLoader({ privateDir });
    const good = await stored('export const who = "verified";', dir);
    // Someone swaps the cache file after the host verified the bytes it holds.
    await writeFile(good.cache.pathOf(good.integrity), 'export const who = "swapped";');
    const ns = await loader.import({ name: 'p', version: '1.0.0', ...good });
    expect(ns.who).toBe('verified');
    expect(await readdir(privateDir)).toEqual([expect.stringMatching(/^sha256-[0-9a-f]{64}\.mjs$/)]);
  });

  it("overwrites a file found under the copy's name (left by an earlier process, torn) with the verified bytes before importing", async () => {
    const dir = await tempDir();
    const privateDir = await tempDir();
    const good = await stored('export const who = "verified";', dir);
    const { hex } = integrityToHex(good.integrity);
    await writeFile(join(privateDir, `sha256-${hex}.mjs`), 'export const who = "le');
    const ns = await createFileLoader({ privateDir }).import({ name: 'p', version: '1.0.0', ...good });
    expect(ns.who).toBe('verified');
  });

  it('writes a copy once when loaders of two hosts import the same bytes at once, and both import it whole', async () => {
    const dir = await tempDir();
    const privateDir = await tempDir();
    const source = await stored(`export const size = ${'1'.repeat(200_000)}n > 0n;`, dir);
    const [a, b] = await Promise.all([
      createFileLoader({ privateDir }).import({ name: 'p', version: '1.0.0', ...source }),
      createFileLoader({ privateDir }).import({ name: 'p', version: '1.0.0', ...source }),
    ]);
    expect([a.size, b.size]).toEqual([true, true]);
    expect(await readdir(privateDir)).toHaveLength(1);
  });

  it('writes nothing and imports a data: URL when the source has no file: URL', async () => {
    const privateDir = await tempDir();
    const loader = createFileLoader({ privateDir });
    const { bytes, integrity } = await blob('export const where = import.meta.url.slice(0, 5);');
    const ns = await loader.import({ name: 'p', version: '1.0.0', integrity, bytes });
    expect(ns.where).toBe('data:');
    expect(await readdir(privateDir)).toEqual([]);
  });

  for (const route of ['file', 'data'] as const) {
    describe(`import failures (${route})`, () => {
      async function failure(text: string) {
        const dir = await tempDir();
        const loader = createFileLoader({ privateDir: await tempDir() });
        const source = await stored(text, dir);
        const error = await loader
          .import({ name: 'broken', version: '1.2.3', integrity: source.integrity, bytes: source.bytes, ...(route === 'file' ? { url: source.url } : {}) })
          .catch((e: unknown) => e);
        expect(isPluginLoadError(error)).toBe(true);
        return error as PluginLoadError;
      }

      it('reports a syntax error as PluginLoadError naming plugin, version and cause', async () => {
        const error = await failure('export default {');
        expect(error.plugin).toBe('broken');
        expect(error.version).toBe('1.2.3');
        expect(error.message).toMatch(/^broken@1\.2\.3: import failed/);
        // Under vitest, file: imports go through Vite's transform, which words syntax errors its own way;
        // native-node.test.ts checks the SyntaxError that plain Node reports.
        expect(error.message).toMatch(/SyntaxError|invalid JS syntax/);
        if (route === 'file') expect(error.message).toMatch(/from file:\/\/.*sha256-[0-9a-f]{64}\.mjs/);
      });

      it('reports a throw at import with its message', async () => {
        const error = await failure('throw new Error("no database configured");\nexport default {};');
        expect(error.message).toMatch(/^broken@1\.2\.3: import failed.*Error: no database configured/);
        expect((error.cause as Error).message).toBe('no database configured');
      });
    });
  }
});
