/**
 * The one crash-safe write of src/node/atomic-write.ts, used by the Node
 * caches and the registry's data directory: the target is the old file or
 * the whole new one, a failure leaves no temporary file, missing directories
 * are created, and the registry's temporary files go to its `tmp/`.
 */
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDirectory, isTempName, syncDirectory, writeFileAtomic } from '../../src/node/atomic-write.js';
import { inTemp } from '../../registry-server/fs/atomic.js';
import { tempDir } from './helpers.js';

describe('writeFileAtomic', () => {
  it('writes a new file, creating its directories, and replaces it whole', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a', 'b', 'file.json');
    await writeFileAtomic(path, '{"v":1}');
    expect(await readFile(path, 'utf8')).toBe('{"v":1}');
    await writeFileAtomic(path, new TextEncoder().encode('{"v":2}'), { sync: false });
    expect(await readFile(path, 'utf8')).toBe('{"v":2}');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['file.json']);
  });

  it('gives the new file the mode asked for', async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, 'secret'), 'x', { mode: 0o600 });
    expect((await stat(join(dir, 'secret'))).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file and no temporary file when the write fails before the rename', async () => {
    const dir = await tempDir();
    const path = join(dir, 'file');
    await writeFile(path, 'old');
    let seen: string | undefined;
    const failing = writeFileAtomic(path, 'new', {
      beforeRename: async (temp) => {
        seen = temp;
        expect(await readFile(temp, 'utf8')).toBe('new');
        throw new Error('power cut');
      },
    });
    await expect(failing).rejects.toThrow('power cut');
    expect(isTempName(seen!.slice(dir.length + 1))).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['file']);
  });

  it("puts the temporary file where the registry's tmp/ is, and removes it on failure", async () => {
    const dir = await tempDir();
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    let temp: string | undefined;
    await writeFileAtomic(join(dir, 'doc.json'), 'one', {
      ...inTemp(tmp),
      beforeRename: async (path) => {
        temp = path;
      },
    });
    expect(temp?.startsWith(`${tmp}/${process.pid}-`)).toBe(true);
    expect(await readdir(tmp)).toEqual([]);
    await expect(writeFileAtomic(join(dir, 'doc.json'), 'two', { ...inTemp(tmp), beforeRename: () => Promise.reject(new Error('no')) })).rejects.toThrow('no');
    expect(await readdir(tmp)).toEqual([]);
    expect(await readFile(join(dir, 'doc.json'), 'utf8')).toBe('one');
  });

  it('refuses to write through an existing temporary path (never overwrites one)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'taken'), 'someone else');
    const error = await writeFileAtomic(join(dir, 'file'), 'x', { tempPath: join(dir, 'taken') }).catch((e: NodeJS.ErrnoException) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('EEXIST');
    expect(await readFile(join(dir, 'taken'), 'utf8')).toBe('someone else');
  });
});

describe('ensureDirectory and syncDirectory', () => {
  it('create nested directories and flush them, and throw a real failure', async () => {
    const dir = await tempDir();
    await ensureDirectory(join(dir, 'x', 'y', 'z'));
    await ensureDirectory(join(dir, 'x', 'y', 'z'));
    expect((await stat(join(dir, 'x', 'y', 'z'))).isDirectory()).toBe(true);
    await syncDirectory(join(dir, 'x'));
    await expect(syncDirectory(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
