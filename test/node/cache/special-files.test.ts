/**
 * A neighbour who can write the cache directory plants a FIFO, a directory or
 * a symbolic link where a blob or a document is expected: `host.load` must
 * download again (reporting the refused entry) or fail fast with a clear
 * error, never hang.
 */
import { lstat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsBlobCache } from '../../../src/node/cache/blob-cache.js';
import { createFsDocumentCache } from '../../../src/node/cache/document-cache.js';
import { nodeHost, pluginSource, tempDir } from '../helpers.js';
import { startRegistry } from '../registry-fixture.js';
import { plantDirectory, plantFifo, plantSymlink, releaseFifos } from '../special-files.js';

releaseFifos();

/** `promise`, or a rejection when it has not settled within `ms` (a hang is the bug under test). */
function within<T>(promise: Promise<T>, ms = 8_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`host.load still pending after ${ms} ms`)), ms)));
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** A registry with hello@1.0.0, a cache directory it was loaded into once, and the paths of the cached blob and document. */
async function cachedOnce() {
  const registry = await startRegistry();
  const entry = await registry.publish('hello', '1.0.0', pluginSource('hello-1'));
  const cacheDir = await tempDir();
  const first = await nodeHost({ registry: registry.url, cacheDir });
  await first.load('hello@^1');
  await first.settled(); // the cache is written after the load resolves
  const blobPath = first.cache.pathOf(entry.dist.integrity);
  const documentPath = first.documents.pathOf(first.registry!.url, 'hello');
  await lstat(documentPath); // both are cached now
  await lstat(blobPath);
  return { registry, entry, cacheDir, blobPath, documentPath };
}

/** A host on `cacheDir` whose warnings are collected. */
async function watchedHost(registry: string, cacheDir: string) {
  const warnings: string[] = [];
  const log = { debug() {}, info() {}, error() {}, warn: (...args: unknown[]) => void warnings.push(args.join(' ')) };
  return { host: await nodeHost({ registry, cacheDir, log }), warnings };
}

describe('special files planted in the cache', () => {
  it('a FIFO in place of the cached bundle: the load downloads it again and reports the FIFO', async () => {
    const { registry, cacheDir, blobPath } = await cachedOnce();
    await plantFifo(blobPath);
    const { host, warnings } = await watchedHost(registry.url, cacheDir);
    const plugin = await within(host.load('hello@^1'));
    await host.settled();
    expect(await plugin.execute()).toMatchObject({ tag: 'hello-1' });
    expect(warnings.join('\n')).toContain(`${blobPath} is a FIFO, not a regular file; refusing to read it (removed it; treating it as not cached)`);
    expect((await lstat(blobPath)).isFile()).toBe(true);
    expect(await readFile(blobPath, 'utf8')).toBe(pluginSource('hello-1'));
  });

  it('a FIFO in place of the cached document: the load asks the registry and reports the FIFO', async () => {
    const { registry, cacheDir, documentPath } = await cachedOnce();
    await plantFifo(documentPath);
    const { host, warnings } = await watchedHost(registry.url, cacheDir);
    expect(await (await within(host.load('hello@^1'))).execute()).toMatchObject({ tag: 'hello-1' });
    await host.settled();
    expect(warnings.join('\n')).toContain(`${documentPath} is a FIFO, not a regular file; refusing to read it (removed it; asking the registry instead)`);
    expect((await lstat(documentPath)).isFile()).toBe(true);
  });

  it('a symbolic link to a FIFO elsewhere, in place of the bundle and of the document: neither is followed', async () => {
    const { registry, cacheDir, blobPath, documentPath } = await cachedOnce();
    const elsewhere = await tempDir();
    await plantFifo(join(elsewhere, 'fifo'));
    await plantSymlink(blobPath, join(elsewhere, 'fifo'));
    await plantSymlink(documentPath, join(elsewhere, 'fifo'));
    const { host, warnings } = await watchedHost(registry.url, cacheDir);
    expect(await (await within(host.load('hello@^1'))).execute()).toMatchObject({ tag: 'hello-1' });
    await host.settled();
    expect(warnings.join('\n')).toContain(`${blobPath} is a symbolic link, not a regular file`);
    expect(warnings.join('\n')).toContain(`${documentPath} is a symbolic link, not a regular file`);
    expect((await lstat(blobPath)).isFile()).toBe(true);
    expect((await lstat(join(elsewhere, 'fifo'))).isFIFO()).toBe(true); // the link went, not its target
  });

  it('a symbolic link to a file holding the right bytes is refused too: a link may be swapped after the check', async () => {
    const { registry, cacheDir, blobPath } = await cachedOnce();
    const elsewhere = join(await tempDir(), 'copy');
    await writeFile(elsewhere, pluginSource('hello-1'));
    await plantSymlink(blobPath, elsewhere);
    const { host, warnings } = await watchedHost(registry.url, cacheDir);
    await within(host.load('hello@^1'));
    await host.settled();
    expect(warnings.join('\n')).toContain(`${blobPath} is a symbolic link`);
    expect(await host.cache.has((await host.cache.list())[0]!.integrity)).toBe(true);
  });

  it('an empty directory in place of the bundle and of the document: removed, downloaded again', async () => {
    const { registry, cacheDir, blobPath, documentPath } = await cachedOnce();
    await plantDirectory(blobPath);
    await plantDirectory(documentPath);
    const { host, warnings } = await watchedHost(registry.url, cacheDir);
    expect(await (await within(host.load('hello@^1'))).execute()).toMatchObject({ tag: 'hello-1' });
    await host.settled();
    expect(warnings.join('\n')).toContain(`${blobPath} is a directory, not a regular file`);
    expect((await lstat(blobPath)).isFile()).toBe(true);
    expect((await lstat(documentPath)).isFile()).toBe(true);
  });

  it('a directory with entries in place of the bundle: the load goes on from the verified download, warning that it could not be cached', async () => {
    const { registry, cacheDir, blobPath } = await cachedOnce();
    await plantDirectory(blobPath, true);
    const { host, warnings } = await watchedHost(registry.url, cacheDir);
    const plugin = await within(host.load('hello@^1'));
    await host.settled();
    expect(await plugin.execute()).toMatchObject({ tag: 'hello-1' });
    expect(warnings.join('\n')).toContain(`${blobPath} is a directory that could not be removed; cannot store the blob there (EISDIR)`);
    expect((await lstat(blobPath)).isDirectory()).toBe(true);
    expect(warnings.join('\n')).toContain(
      `${blobPath} is a directory, not a regular file; refusing to read it (could not remove it; treating it as not cached)`,
    );
  });

  it('a FIFO in place of the document while the registry is down: the load fails fast as not cached', async () => {
    const { registry, cacheDir, documentPath } = await cachedOnce();
    await plantFifo(documentPath);
    await registry.close();
    const { host } = await watchedHost(registry.url, cacheDir);
    await expect(within(host.load('hello@^1'))).rejects.toThrow(/hello: the registry at .* is unreachable and this plugin is not cached/);
  });

  it('cache verify reports and removes special files stored under blob names', async () => {
    const { cacheDir, blobPath } = await cachedOnce();
    await plantFifo(blobPath);
    const report = await createFsBlobCache(cacheDir).verify();
    expect(report.refused).toEqual([{ path: blobPath, problem: 'FIFO', removed: true }]);
    expect(report.checked).toBe(0);
    await expect(lstat(blobPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a document entry over the size limit is refused as absent', async () => {
    const dir = await tempDir();
    const refused: string[] = [];
    const documents = createFsDocumentCache(dir, { maxEntryBytes: 16, onRefused: (error) => refused.push(error.message) });
    const path = documents.pathOf('http://registry.test', 'hello');
    await createFsDocumentCache(dir).put({
      registry: 'http://registry.test',
      name: 'hello',
      fetchedAt: 1,
      document: { name: 'hello', distTags: {}, modified: '2026-01-01T00:00:00.000Z', versions: {} },
    });
    expect(await documents.get('http://registry.test', 'hello')).toBeUndefined();
    expect(refused).toEqual([expect.stringContaining(`${path} has`)]);
    await expect(lstat(path)).rejects.toMatchObject({ code: 'ENOENT' }); // removed
  });
});
