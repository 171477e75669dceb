/**
 * Cleaning `tmp/` of a data directory at start: a temp file is left over when
 * the process that wrote it died (its pid is gone, or is our own pid — we have
 * written nothing yet), or when it is older than an hour (its pid was reused).
 * Temp files of other live processes sharing the directory stay.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/** True when a process with this pid exists (on this host). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temp files that no live process is writing; resolves to their names. */
export async function cleanTempFiles(directory: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return removed;
    throw error;
  }
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    const path = join(directory, name);
    let leftOver = pid === process.pid || !isProcessAlive(pid);
    if (!leftOver) {
      const info = await stat(path).catch(() => undefined);
      leftOver = info !== undefined && now - info.mtimeMs > ABANDONED_AFTER_MS;
    }
    if (leftOver) {
      await rm(path, { force: true, recursive: true });
      removed.push(name);
    }
  }
  return removed;
}
