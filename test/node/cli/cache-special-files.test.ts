/**
 * `plughub run` and `plughub cache` with a FIFO planted in the cache
 * directory: they finish (downloading again, reporting or removing the
 * FIFO) instead of hanging on it.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectBytes, packPlg } from '../../../src/core/plg/index.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { tempDir } from '../helpers.js';
import { plantFifo, releaseFifos } from '../special-files.js';

releaseFifos();

/** `promise`, or a rejection when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms = 8_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)));
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

async function cachedHello() {
  const registry = await inProcessRegistry();
  const manifest = { name: 'hello', version: '1.0.0', source: { mode: 'esm', path: 'dist/index.js' } };
  const plg = await collectBytes(
    packPlg([
      { path: 'plugin.json', content: JSON.stringify(manifest) },
      { path: 'dist/index.js', content: 'export async function execute() { return "hi"; }\n' },
    ]),
  );
  await createRegistryClient({ url: registry.url, retry: 0 }).publish('hello', '1.0.0', plg, { token: registry.token });
  const cwd = await tempDir();
  const cacheDir = join(cwd, 'cache');
  const env = { PLUGHUB_REGISTRY: registry.url, PLUGHUB_CACHE_DIR: cacheDir };
  expect(await cli(['run', 'hello'], { cwd, env })).toEqual({ code: 0, stdout: '"hi"\n', stderr: '' });
  const blobDir = join(cacheDir, 'blobs', 'sha256');
  const blobPath = join(blobDir, (await readdir(blobDir))[0]!);
  const documentDir = join(cacheDir, 'documents');
  const documentPath = join(documentDir, (await readdir(documentDir))[0]!);
  return { cwd, env, cacheDir, blobPath, documentPath };
}

describe('CLI with special files in the cache', () => {
  it('run downloads again past a FIFO in place of the bundle and says so on stderr', async () => {
    const { cwd, env, blobPath } = await cachedHello();
    await plantFifo(blobPath);
    const ran = await within(cli(['run', 'hello'], { cwd, env }));
    expect(ran).toMatchObject({ code: 0, stdout: '"hi"\n' });
    expect(ran.stderr).toContain(`${blobPath} is a FIFO, not a regular file; refusing to read it (removed it; treating it as not cached)`);
    expect((await lstat(blobPath)).isFile()).toBe(true);
  });

  it('cache ls skips a FIFO among the documents, and cache verify removes one under a bundle name', async () => {
    const { cwd, env, cacheDir, blobPath, documentPath } = await cachedHello();
    await plantFifo(documentPath);
    const ls = await within(cli(['cache', 'ls'], { cwd, env }));
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^INTEGRITY +SIZE +LAST USED +PLUGIN\nsha256-\S+ +\d+ B +\S+ +\(no registry document\)\n\n1 bundle/);
    await plantFifo(blobPath);
    const verified = await within(cli(['cache', 'verify'], { cwd, env }));
    expect(verified.stdout).toBe(`checked 0 bundles in ${cacheDir}: 0 corrupt\n  removed FIFO in place of a bundle (${blobPath})\n`);
  });
});
