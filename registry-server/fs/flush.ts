/**
 * Flushing files and directories that were put in place without a flush
 * (a journal's checkpoint), safely against what may have replaced them
 * meanwhile, and a bounded number at a time.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { flushDirectory } from './directory-sync.js';

/** Flushes a file put in place; one that is gone or was replaced by something else than a file since (by hand) is left alone. */
export async function flushFile(path: string): Promise<void> {
  let handle;
  try {
    // Non-blocking and not following links: what was put there may have been replaced by a FIFO or a link meanwhile.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    // Gone since (a blob garbage collection deleted, a document replaced by a newer one, flushed with it): nothing to flush.
    if (['ENOENT', 'ELOOP'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    if ((await handle.stat()).isFile()) await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory, unless it is gone (removed with the data directory, say): nothing in it is left to flush. */
export async function flushDirectoryIfPresent(directory: string): Promise<void> {
  try {
    await flushDirectory(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Runs `work` over `items`, at most `width` at a time. */
export async function inBatches<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += width) await Promise.all(items.slice(start, start + width).map(work));
}

/** Flushes `files`, eight at a time, then their directories (a file's new name is durable once its directory is); missing directories are skipped. */
export async function flushFiles(files: readonly string[]): Promise<void> {
  await inBatches(files, 8, flushFile);
  await inBatches([...new Set(files.map((file) => dirname(file)))], 8, flushDirectoryIfPresent);
}
