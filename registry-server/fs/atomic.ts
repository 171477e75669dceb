/**
 * Crash-safe file writes for the filesystem driver and the token store:
 * write a temp file in the data directory's `tmp/`, fsync it, rename it over
 * the target, fsync the target's directory. A reader sees the old file or the
 * new one, never a part; a crash leaves at most a temp file, which
 * `cleanTempFiles` removes at the next start.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Tells this process's temp files from those of an earlier process that had the same pid. */
export const PROCESS_TAG = randomBytes(4).toString('hex');

/**
 * A temp file name `<pid>-<process tag>-<random>.tmp`: a restart can tell
 * whose files are left over, even when a crashed process had the same pid.
 */
export function tempFileName(): string {
  return `${process.pid}-${PROCESS_TAG}-${randomBytes(8).toString('hex')}.tmp`;
}

/** Flushes a directory's entries (a rename, a new file) to disk. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates a directory (and its parents) and, when it was new, syncs its
 * parent so that the new entry survives a crash.
 */
export async function ensureDirectory(directory: string): Promise<void> {
  const created = await mkdir(directory, { recursive: true });
  if (created !== undefined) await syncDirectory(dirname(directory));
}

/**
 * Writes `bytes` to `target` atomically and durably, through a temp file in
 * `tempDirectory` (which must be on the same filesystem). `mode` sets the
 * permissions of the new file (default 0o644); `beforeRename` runs between
 * the durable temp file and the rename (a fault-injection point for tests).
 */
export async function writeFileAtomic(
  tempDirectory: string,
  target: string,
  bytes: Uint8Array,
  mode = 0o644,
  beforeRename?: (temp: string, target: string) => Promise<void>,
): Promise<void> {
  const temp = join(tempDirectory, tempFileName());
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await beforeRename?.(temp, target);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(target));
}

/** True when two stats describe the same version of a file (written by writeFileAtomic: only ever replaced by rename). */
export function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size && a.dev === b.dev;
}
