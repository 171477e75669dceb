/**
 * Crash-safe file writes, the one implementation for the Node caches and the
 * registry's data directory: the bytes go to a temporary file on the
 * target's filesystem, are flushed with fsync, and the temporary file is
 * renamed over the target; then the directory entry is flushed. A reader,
 * in this process or another, sees either the old file or the whole new
 * one, never a part; after a crash, at most a temporary file is left over.
 * Directories created on the way are flushed into their parents too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Suffix of the temporary files written beside their target; caches skip and clean up names ending with it. */
const TEMP_SUFFIX = '.tmp';

/** What fsync of a directory fails with where the platform or filesystem cannot do it (Windows, some network filesystems). */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF']);

/** True for a name written by writeFileAtomic beside its target that was not (yet) renamed into place. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/** Options of writeFileAtomic. */
export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644). */
  mode?: number;
  /**
   * Flush the file and the directory entries to disk (default true). Without
   * it the write is still atomic for readers, but a power loss may leave the
   * old file or an empty one: fine for data that is checked on read and
   * fetched again.
   */
  sync?: boolean;
  /**
   * The temporary file to write first; it must be on the target's
   * filesystem. Default: `.<name>.<pid>.<random>.tmp` beside the target. A
   * writer that cleans up its own leftovers (the registry's `tmp/`) names it.
   */
  tempPath?: string;
  /** Runs between the flushed temporary file and the rename: a fault-injection point for tests. */
  beforeRename?: (temp: string, target: string) => Promise<void>;
}

/**
 * Writes `data` to `path` atomically (temporary file, fsync, rename, fsync
 * of the directory), creating the directory when needed. On failure the
 * temporary file is removed and the target is left as it was.
 *
 * @example await writeFileAtomic('/cache/documents/ab12.json', JSON.stringify(entry))
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const sync = options.sync ?? true;
  const dir = dirname(path);
  await ensureDirectory(dir, { sync });
  const temp = options.tempPath ?? join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.(temp, path);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (sync) await syncDirectory(dir);
}

/**
 * Creates a directory and its missing parents; with `sync` (the default),
 * flushes the parent of each one it created, so that the new entries
 * survive a crash.
 */
export async function ensureDirectory(directory: string, options: { sync?: boolean } = {}): Promise<void> {
  const first = await mkdir(directory, { recursive: true });
  if (first === undefined || options.sync === false) return;
  const top = resolve(first);
  for (let created = resolve(directory); ; created = dirname(created)) {
    await syncDirectory(dirname(created));
    if (created === top || dirname(created) === created) return;
  }
}

/**
 * Flushes a directory's entries (a rename, a new file) to disk. Where the
 * platform or filesystem cannot fsync a directory it is skipped (the rename
 * is still atomic); any other failure is thrown.
 */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}
