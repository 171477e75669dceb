/** The filesystem DocumentCache: per registry and name, hashed file names, unreadable entries treated as absent. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCacheFileError, type CacheFileError } from '../../../src/core/errors/index.js';
import { createFsDocumentCache } from '../../../src/node/cache/document-cache.js';
import { tempDir } from '../helpers.js';

const registry = 'http://registry.test';

function entry(name: string, etag = '"1"') {
  return {
    registry,
    name,
    etag,
    fetchedAt: 1_700_000_000_000,
    document: {
      name,
      distTags: { latest: '1.0.0' },
      modified: '2026-01-01T00:00:00.000Z',
      versions: {
        '1.0.0': {
          manifest: { name, version: '1.0.0', source: { mode: 'esm', path: 'index.js' } },
          dist: { integrity: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', size: 0, url: '/v1/blobs/sha256/e3' },
          publishedAt: '2026-01-01T00:00:00.000Z',
          yanked: false,
        },
      },
    },
  };
}

describe('filesystem document cache', () => {
  it('keeps documents with their ETag per registry and name, across cache instances', async () => {
    const dir = await tempDir();
    await createFsDocumentCache(dir).put(entry('hello'));
    const cache = createFsDocumentCache(dir);
    expect(await cache.get(registry, 'hello')).toEqual(entry('hello'));
    expect(await cache.get('http://other.test', 'hello')).toBeUndefined();
    expect(await cache.get(registry, 'other')).toBeUndefined();
    await cache.put(entry('hello', '"2"'));
    expect((await cache.get(registry, 'hello'))!.etag).toBe('"2"');
    await cache.delete(registry, 'hello');
    await cache.delete(registry, 'hello');
    expect(await cache.get(registry, 'hello')).toBeUndefined();
  });

  it('names files by a hash, so scoped or hostile names stay inside the directory', async () => {
    const dir = await tempDir();
    const cache = createFsDocumentCache(dir);
    for (const name of ['@acme/hello', '../../escape', '..']) {
      const path = cache.pathOf(registry, name);
      expect(path.startsWith(`${join(dir, 'documents')}/`)).toBe(true);
      expect(path).toMatch(/\/[0-9a-f]{64}\.json$/);
    }
    await cache.put(entry('@acme/hello'));
    expect((await cache.get(registry, '@acme/hello'))!.name).toBe('@acme/hello');
    expect(await readdir(dir)).toEqual(['documents']);
    expect(await readdir(join(dir, 'documents'))).toHaveLength(1); // no temporary file left
  });

  it('treats an unreadable or foreign entry as absent and removes it', async () => {
    const dir = await tempDir();
    const cache = createFsDocumentCache(dir);
    await cache.put(entry('hello'));
    const path = cache.pathOf(registry, 'hello');
    expect(JSON.parse(await readFile(path, 'utf8')).name).toBe('hello');
    await writeFile(path, '{"registry":');
    expect(await cache.get(registry, 'hello')).toBeUndefined();
    expect(await readdir(join(dir, 'documents'))).toEqual([]);
    await writeFile(path, JSON.stringify(entry('other')));
    expect(await cache.get(registry, 'hello')).toBeUndefined();
  });

  it('a directory with entries planted under an entry name: get reports it and asks the registry, put fails naming path and plugin', async () => {
    const dir = await tempDir();
    const refused: CacheFileError[] = [];
    const cache = createFsDocumentCache(dir, { onRefused: (error) => refused.push(error) });
    const path = cache.pathOf(registry, 'hello');
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'x'), 'x');
    expect(await cache.get(registry, 'hello')).toBeUndefined();
    expect(refused.map((error) => error.message)).toEqual([
      `${path} is a directory, not a regular file; refusing to read it (could not remove it; asking the registry instead)`,
    ]);
    const error = await cache.put(entry('hello')).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(isCacheFileError(error)).toBe(true);
    expect(error).toMatchObject({ path, plugin: 'hello', problem: 'not-regular' });
    expect((error as Error).message).toBe(`${path} is a directory that could not be removed; cannot store the document of hello there (EISDIR)`);
  });
});
