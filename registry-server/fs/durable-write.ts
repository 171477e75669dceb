/**
 * The data directory's crash-safe write in its two steps, so that a writer
 * can stage several files at once and commit them in the order durability
 * needs (a publish: the blobs before the document that refers to them):
 *
 * 1. `stageFile` writes the bytes to a temp file in `tmp/` and flushes it
 *    (fsync) — nothing is visible yet;
 * 2. `commitFile` renames it onto its target (atomic for readers) and
 *    resolves once the target's directory was flushed after the rename,
 *    through DirectorySyncs, which makes one flush serve every rename made
 *    in that directory meanwhile.
 *
 * A file committed this way survives a power cut once `commitFile`
 * resolves; before that, a crash leaves the old file (or none) and at most a
 * temp file, which the next start removes (temp-files.ts). Only the flushes
 * go to the thread pool: opening, writing into the page cache, closing and
 * renaming are synchronous calls of a few microseconds each, where a trip
 * through the thread pool costs tens, and waits behind every flush in
 * progress (the pool has four threads).
 */
import { closeSync, fsync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { DirectorySyncs } from './directory-sync.js';

/** fsync of an open file descriptor, in the thread pool. */
export const flushDescriptor = promisify(fsync);

/** Writes `bytes` to the new file `path` without flushing it (the journal makes it durable); the file is removed if that fails. */
export function writeNewFile(path: string, bytes: Uint8Array, mode = 0o644): void {
  const descriptor = openSync(path, 'wx', mode);
  try {
    try {
      for (let written = 0; written < bytes.byteLength; ) written += writeSync(descriptor, bytes, written, bytes.byteLength - written);
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  }
}

/** Writes `bytes` to the new file `temp` and flushes it; the file is removed if that fails. */
export async function stageFile(temp: string, bytes: Uint8Array, mode = 0o644): Promise<void> {
  const descriptor = openSync(temp, 'wx', mode);
  try {
    try {
      for (let written = 0; written < bytes.byteLength; ) written += writeSync(descriptor, bytes, written, bytes.byteLength - written);
      await flushDescriptor(descriptor);
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Renames a staged file onto `target` (whose directory exists) and resolves once that rename is durable; a failed rename removes the temp file. */
export async function commitFile(temp: string, target: string, syncs: DirectorySyncs): Promise<void> {
  try {
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  await syncs.sync(dirname(target));
}
