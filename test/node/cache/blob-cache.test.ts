/**
 * The filesystem BlobCache: the shared contract suite, plus what only a
 * filesystem cache has (layout by hash, locate, mtime as last use, verify).
 */
import { readdir, readFile, stat, writeFile, mkdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeIntegrity, integrityToHex } from '../../../src/core/integrity.js';
import { isIntegrityError } from '../../../src/core/errors/index.js';
import { createFsBlobCache } from '../../../src/node/cache/blob-cache.js';
import { testBlobCache } from '../../contracts/blob-cache.js';
import { blob, tempDir } from '../helpers.js';

testBlobCache('filesystem', async () => {
  let now = Date.UTC(2026, 0, 1);
  const dir = await tempDir();
  return { cache: createFsBlobCache(dir, { now: () => now }), advance: (ms) => (now += ms) };
});

describe('filesystem blob cache', () => {
  it('stores each blob as <dir>/blobs/<algorithm>/<hex of its hash>, and locates it as a file: URL (urlOf names it before it is stored)', async () => {
    const dir = await tempDir();
    const cache = createFsBlobCache(dir);
    const { bytes, integrity } = await blob('export default 1;');
    expect(await cache.locate(integrity)).toBeUndefined();
    expect(fileURLToPath(cache.urlOf(integrity))).toBe(join(dir, 'blobs', 'sha256', integrityToHex(integrity).hex));
    await cache.put(integrity, bytes);
    const { hex } = integrityToHex(integrity);
    const path = join(dir, 'blobs', 'sha256', hex);
    expect(cache.pathOf(integrity)).toBe(path);
    expect(await readFile(path, 'utf8')).toBe('export default 1;');
    expect(fileURLToPath((await cache.locate(integrity))!)).toBe(path);
    expect(await readdir(join(dir, 'blobs', 'sha256'))).toEqual([hex]); // no temporary file left
  });

  it('names a blob by the digest its bytes have when the integrity lists several', async () => {
    const dir = await tempDir();
    const cache = createFsBlobCache(dir);
    const { bytes, integrity } = await blob('two digests');
    const other = await computeIntegrity(new TextEncoder().encode('something else'));
    await cache.put(`${other} ${integrity}`, bytes);
    expect((await cache.list()).map((entry) => entry.integrity)).toEqual([integrity]);
    expect(new TextDecoder().decode(await cache.get(`${other} ${integrity}`))).toBe('two digests');
  });

  it('refuses a mismatch without touching a stored good copy', async () => {
    const dir = await tempDir();
    const cache = createFsBlobCache(dir);
    const { bytes, integrity } = await blob('good');
    await cache.put(integrity, bytes);
    const error = await cache.put(integrity, new TextEncoder().encode('evil')).catch((e: unknown) => e);
    expect(isIntegrityError(error)).toBe(true);
    expect(new TextDecoder().decode(await cache.get(integrity))).toBe('good');
  });

  it('rewrites a corrupted file when the good bytes are put again', async () => {
    const dir = await tempDir();
    const cache = createFsBlobCache(dir);
    const { bytes, integrity } = await blob('repair me');
    await cache.put(integrity, bytes);
    await writeFile(cache.pathOf(integrity), 'tampered');
    await cache.put(integrity, bytes);
    expect(await readFile(cache.pathOf(integrity), 'utf8')).toBe('repair me');
  });

  it('records the last use in the file mtime, so every process sharing the directory sees it', async () => {
    const dir = await tempDir();
    let now = Date.UTC(2026, 0, 1);
    const writer = createFsBlobCache(dir, { now: () => now });
    const { bytes, integrity } = await blob('shared');
    await writer.put(integrity, bytes);
    now += 60_000;
    const reader = createFsBlobCache(dir, { now: () => now });
    await reader.get(integrity);
    expect((await stat(writer.pathOf(integrity))).mtimeMs).toBe(now);
    expect((await writer.list())[0]!.lastUsed).toBe(now);
  });

  it('verify() re-hashes every blob, removes the corrupt ones and stale temporary files, and says which', async () => {
    const dir = await tempDir();
    const cache = createFsBlobCache(dir);
    const good = await blob('good blob');
    const bad = await blob('bad blob');
    await cache.put(good.integrity, good.bytes);
    await cache.put(bad.integrity, bad.bytes);
    await writeFile(cache.pathOf(bad.integrity), 'bad blob, altered');
    const folder = join(dir, 'blobs', 'sha256');
    const stale = join(folder, '.abc.1.ffff.tmp');
    const fresh = join(folder, '.abc.2.eeee.tmp');
    await writeFile(stale, 'half');
    await writeFile(fresh, 'half');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(stale, old, old);
    const report = await cache.verify();
    expect(report.checked).toBe(2);
    expect(report.corrupt).toEqual([{ integrity: bad.integrity, path: cache.pathOf(bad.integrity) }]);
    expect(report.removedTemp).toEqual([stale]);
    expect(await cache.has(bad.integrity)).toBe(false);
    expect(await cache.has(good.integrity)).toBe(true);
    expect((await readdir(folder)).sort()).toEqual(['.abc.2.eeee.tmp', integrityToHex(good.integrity).hex].sort());
  });

  it('ignores files that are not blobs and reports an empty cache before the first write', async () => {
    const dir = await tempDir();
    const cache = createFsBlobCache(dir);
    expect(await cache.list()).toEqual([]);
    expect(await cache.prune({ maxBytes: 0 })).toEqual({ removed: [], freedBytes: 0 });
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'blobs', 'sha256', 'README'), 'not a blob');
    await writeFile(join(dir, 'blobs', 'sha256', '../escape'), 'not a blob');
    expect(await cache.list()).toEqual([]);
  });

  it('refuses an unusable integrity in get, has, delete and pathOf with IntegrityError', async () => {
    const cache = createFsBlobCache(await tempDir());
    for (const run of [() => cache.get('md5-x'), () => cache.has('../../etc/passwd'), () => cache.delete('sha256-'), async () => cache.pathOf('nope')]) {
      expect(isIntegrityError(await run().catch((e: unknown) => e))).toBe(true);
    }
  });
});
