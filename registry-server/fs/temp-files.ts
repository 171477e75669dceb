/**
 * Cleaning `tmp/` of a data directory at start: a temp file is left over when
 * the process that wrote it died: its pid is gone, it carries our pid but not
 * our process tag (an earlier life of the same pid), or it is older than an
 * hour (its pid was reused by another process). Temp files of live processes
 * stay, this process's own included: a token store or a second storage in
 * this process may be writing one right now.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PROCESS_TAG } from './atomic.js';

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
    const [, pidText, tag] = /^(\d+)-(?:([0-9a-f]{8})-)?/.exec(name) ?? [];
    const pid = Number(pidText);
    const path = join(directory, name);
    if (pid === process.pid && tag === PROCESS_TAG) continue;
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
