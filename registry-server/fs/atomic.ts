/**
 * The registry's side of crash-safe writes (the write itself is
 * src/node/atomic-write.ts): temporary files go to the data directory's
 * `tmp/`, named so that `cleanTempFiles` can tell at the next start whose
 * files are left over, and a file written that way is only ever replaced by
 * a rename, so its stats say whether it changed.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import type { AtomicWriteOptions } from '../../src/node/atomic-write.js';

/** Tells this process's temp files from those of an earlier process that had the same pid. */
export const PROCESS_TAG = randomBytes(4).toString('hex');

/**
 * A temp file name `<pid>-<process tag>-<random>.tmp`: a restart can tell
 * whose files are left over, even when a crashed process had the same pid.
 */
export function tempFileName(): string {
  return `${process.pid}-${PROCESS_TAG}-${randomBytes(8).toString('hex')}.tmp`;
}

/**
 * Options for writeFileAtomic that put its temporary file in `tempDirectory`
 * (the data directory's `tmp/`, on the same filesystem as the target).
 * @example await writeFileAtomic(target, bytes, { ...inTemp(paths.temp), mode: 0o600 })
 */
export function inTemp(tempDirectory: string): Pick<AtomicWriteOptions, 'tempPath'> {
  return { tempPath: join(tempDirectory, tempFileName()) };
}

/** True when two stats describe the same version of a file (written by writeFileAtomic: only ever replaced by rename). */
export function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size && a.dev === b.dev;
}
