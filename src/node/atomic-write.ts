/**
 * Crash-safe file writes: the bytes go to a temporary file in the target's
 * own directory (same filesystem, so the rename is atomic), are flushed with
 * fsync, and the temporary file is renamed over the target. A reader, in this
 * process or another, sees either the old file or the whole new one, never a
 * part. The directory entry is flushed too where the platform allows it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Suffix of the temporary files this module writes; caches skip and clean up names ending with it. */
const TEMP_SUFFIX = '.tmp';

/** True for a name written by writeFileAtomic that was not (yet) renamed into place. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/** Options of writeFileAtomic. */
export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644). */
  mode?: number;
  /**
   * Flush the file and its directory entry to disk (default true). Without it
   * the write is still atomic for readers, but a power loss may leave the old
   * file or an empty one: fine for data that is checked on read and fetched again.
   */
  sync?: boolean;
}

/**
 * Writes `data` to `path` atomically (temp file + fsync + rename), creating
 * the directory when needed. On failure the temporary file is removed and
 * the target is left as it was.
 *
 * @example await writeFileAtomic('/cache/documents/ab12.json', JSON.stringify(entry))
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const sync = options.sync ?? true;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  if (sync) await syncDirectory(dir);
}

/** Flushes a directory entry (after a rename); platforms that cannot open directories are skipped. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows and some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
