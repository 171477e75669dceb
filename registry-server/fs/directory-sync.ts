/**
 * Group commit of directory entries: a rename is durable once its directory
 * has been flushed (fsync) *after* it, and one flush covers every rename
 * made in that directory before it began. Writers that finish their renames
 * while a flush of the same directory is running wait for the next one,
 * which starts as soon as the running one ends and serves all of them: with
 * many publishes at once, each directory is flushed about once per flush
 * time, however many files land in it, and a caller is never answered by a
 * flush that began before its rename.
 */
import { closeSync, openSync } from 'node:fs';
import { flushDescriptor } from './durable-write.js';

/** What fsync of a directory fails with where the platform or filesystem cannot do it (Windows, some network filesystems). */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF']);

/** Flushes a directory's entries (only the fsync goes to the thread pool); skipped where the platform cannot, like syncDirectory of atomic-write.ts. */
export async function flushDirectory(directory: string): Promise<void> {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, 'r');
    await flushDescriptor(descriptor);
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

interface DirectoryState {
  /** The flush in progress. */
  running: Promise<void> | undefined;
  /** The flush that starts when the running one ends, shared by everyone who asked meanwhile. */
  queued: Promise<void> | undefined;
}

/** Flushes directories for many writers at once; see the module comment. */
export class DirectorySyncs {
  readonly #flush: (directory: string) => Promise<void>;
  readonly #directories = new Map<string, DirectoryState>();

  /** `flush` makes a directory's entries durable (default: fsync of the directory, skipped where the platform cannot). */
  constructor(flush: (directory: string) => Promise<void> = flushDirectory) {
    this.#flush = flush;
  }

  /** Resolves once a flush of `directory` that began after this call has completed; rejects with that flush's error. */
  sync(directory: string): Promise<void> {
    let state = this.#directories.get(directory);
    if (state === undefined) {
      state = { running: undefined, queued: undefined };
      this.#directories.set(directory, state);
    }
    if (state.queued !== undefined) return state.queued;
    if (state.running === undefined) return this.#start(directory, state);
    const after = state.running;
    const queued: Promise<void> = after.then(
      () => this.#next(directory, state, queued),
      () => this.#next(directory, state, queued),
    );
    state.queued = queued;
    return queued;
  }

  /** Starts the queued flush once the running one ended. */
  #next(directory: string, state: DirectoryState, queued: Promise<void>): Promise<void> {
    if (state.queued === queued) state.queued = undefined;
    return this.#start(directory, state);
  }

  #start(directory: string, state: DirectoryState): Promise<void> {
    const running = this.#flush(directory).finally(() => {
      if (state.running !== running) return;
      state.running = undefined;
      if (state.queued === undefined) this.#directories.delete(directory);
    });
    state.running = running;
    return running;
  }
}
