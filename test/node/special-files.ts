/**
 * Special files planted where a cache expects regular ones: FIFOs (made with
 * the system's mkfifo), directories and symbolic links. A FIFO made here is
 * opened for writing and closed after each test, which ends any read still
 * blocked on it, so a reader that hangs fails its test without keeping the
 * worker alive.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { afterEach } from 'vitest';

const fifos = new Set<string>();

/** Releases the FIFOs made by plantFifo after each test of the calling file. */
export function releaseFifos(): void {
  afterEach(() => {
    for (const path of fifos) {
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // No reader waits on it (ENXIO), or it is gone: nothing to release.
      }
    }
    fifos.clear();
  });
}

/** Replaces whatever is at `path` with a FIFO. */
export async function plantFifo(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  execFileSync('mkfifo', [path]);
  fifos.add(path);
}

/** Replaces whatever is at `path` with a directory, holding one file when `full`. */
export async function plantDirectory(path: string, full = false): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await mkdir(path);
  if (full) await mkdir(`${path}/inside`);
}

/** Replaces whatever is at `path` with a symbolic link to `target`. */
export async function plantSymlink(path: string, target: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await symlink(target, path);
}
