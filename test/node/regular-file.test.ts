/**
 * readRegularFile: regular files only, never through a link, never blocking
 * on a FIFO, bounded in size; and what the caches do with a refused entry
 * (removeEntry, removeRefusedEntry) or a directory in the way of a write.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheFileError, isCacheFileError } from '../../src/core/errors/index.js';
import { writeFileAtomic } from '../../src/node/atomic-write.js';
import { blockedWriteError, readRegularFile, readRegularFileUtf8, removeEntry, removeRefusedEntry } from '../../src/node/regular-file.js';
import { tempDir } from './helpers.js';
import { releaseFifos } from './special-files.js';

releaseFifos();

/** The rejection of `promise`, failing the test if it does not settle within `ms` (a hang is the bug). */
async function refusal(promise: Promise<unknown>, ms = 3_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)));
  try {
    await Promise.race([promise, hang]);
  } catch (error) {
    return error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a rejection');
}

describe('readRegularFile', () => {
  it('reads a regular file whole, as bytes and as UTF-8', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a.json');
    await writeFile(path, '{"a":"é"}');
    expect(new TextDecoder().decode(await readRegularFile(path))).toBe('{"a":"é"}');
    expect(await readRegularFileUtf8(path)).toBe('{"a":"é"}');
    const big = Buffer.alloc(200_000, 7);
    await writeFile(path, big);
    expect(Buffer.from(await readRegularFile(path, { maxBytes: 200_000 })).equals(big)).toBe(true);
  });

  it('refuses a FIFO without a writer at once instead of blocking', async () => {
    const dir = await tempDir();
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    const error = await refusal(readRegularFile(path));
    expect(isCacheFileError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_CACHE_FILE', problem: 'not-regular', path });
    expect((error as Error).message).toBe(`${path} is a FIFO, not a regular file; refusing to read it`);
  });

  it('refuses a directory and a symbolic link (even one to a regular file), naming the path', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'folder'));
    await writeFile(join(dir, 'real'), 'data');
    await symlink(join(dir, 'real'), join(dir, 'link'));
    const folder = await refusal(readRegularFile(join(dir, 'folder')));
    expect(folder).toMatchObject({
      code: 'E_CACHE_FILE',
      problem: 'not-regular',
      message: `${join(dir, 'folder')} is a directory, not a regular file; refusing to read it`,
    });
    const link = await refusal(readRegularFile(join(dir, 'link')));
    expect(link).toMatchObject({
      code: 'E_CACHE_FILE',
      problem: 'symlink',
      message: `${join(dir, 'link')} is a symbolic link, not a regular file; refusing to read it`,
    });
  });

  it('refuses a file larger than maxBytes', async () => {
    const dir = await tempDir();
    const path = join(dir, 'big');
    await writeFile(path, Buffer.alloc(1025));
    const error = await refusal(readRegularFile(path, { maxBytes: 1024 }));
    expect(error).toMatchObject({ code: 'E_CACHE_FILE', problem: 'too-large' });
    expect((error as Error).message).toContain('more than the limit of 1024');
  });

  it('gives up on a read that outlasts timeoutMs, naming the path', async () => {
    const dir = await tempDir();
    const path = join(dir, 'slow');
    await writeFile(path, Buffer.alloc(32 * 1024 * 1024)); // 512 reads of 64 KiB: far longer than 1 ms
    const error = await refusal(readRegularFile(path, { timeoutMs: 1 }));
    expect(error).toMatchObject({ code: 'E_CACHE_FILE', problem: 'timeout', path, message: `reading ${path} took longer than 1 ms; giving up on it` });
  });

  it('rejects a missing file with ENOENT, as readFile does', async () => {
    const dir = await tempDir();
    expect(await refusal(readRegularFile(join(dir, 'none')))).toMatchObject({ code: 'ENOENT' });
  });

  it('gives up with the abort reason when the signal aborts mid-read', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a');
    await writeFile(path, 'data');
    const controller = new AbortController();
    const reading = readRegularFile(path, { signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await refusal(reading)).toBe(reason);
  });

  it('removeEntry removes a FIFO, a link (not its target) and an empty directory, and says when it cannot', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await writeFile(join(dir, 'target'), 'keep');
    await symlink(join(dir, 'target'), join(dir, 'link'));
    await mkdir(join(dir, 'empty'));
    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'x'), 'x');
    for (const name of ['fifo', 'link', 'empty', 'missing']) expect(await removeEntry(join(dir, name))).toBe(true);
    expect(await removeEntry(join(dir, 'full'))).toBe(false);
    expect(await readRegularFileUtf8(join(dir, 'target'))).toBe('keep');
  });

  it('removeRefusedEntry removes the refused entry and says so, or says it could not, with what the caller does instead', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'x'), 'x');
    const fifo = await refusal(readRegularFile(join(dir, 'fifo')));
    const full = await refusal(readRegularFile(join(dir, 'full')));
    if (!isCacheFileError(fifo) || !isCacheFileError(full)) throw new Error('expected CacheFileErrors');

    const removed = await removeRefusedEntry(fifo, 'treating it as not cached');
    expect(removed).toBeInstanceOf(CacheFileError);
    expect(removed).toMatchObject({ path: join(dir, 'fifo'), problem: 'not-regular', cause: fifo });
    expect(removed.message).toBe(`${join(dir, 'fifo')} is a FIFO, not a regular file; refusing to read it (removed it; treating it as not cached)`);
    await expect(readRegularFile(join(dir, 'fifo'))).rejects.toMatchObject({ code: 'ENOENT' });

    const kept = await removeRefusedEntry(full, 'asking the registry instead');
    expect(kept.message).toBe(
      `${join(dir, 'full')} is a directory, not a regular file; refusing to read it (could not remove it; asking the registry instead)`,
    );
    expect(await readRegularFileUtf8(join(dir, 'full', 'x'))).toBe('x');
  });

  it('blockedWriteError names a directory in the way of a write and leaves other failures as they are', async () => {
    const dir = await tempDir();
    const path = join(dir, 'entry');
    await mkdir(path);
    await writeFile(join(path, 'x'), 'x');
    const failure = await refusal(writeFileAtomic(path, 'bytes'));
    const error = blockedWriteError(failure, path, 'the document of hello', { plugin: 'hello' });
    expect(isCacheFileError(error)).toBe(true);
    expect(error).toMatchObject({ path, problem: 'not-regular', plugin: 'hello', cause: failure });
    expect((error as Error).message).toBe(`${path} is a directory that could not be removed; cannot store the document of hello there (EISDIR)`);

    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    expect(blockedWriteError(full, path, 'the blob')).toBe(full);
  });
});
