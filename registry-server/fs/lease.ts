/**
 * The write lease of a data directory: one process at a time writes its
 * plugin documents, blobs and index. The lease is the lock `writer`
 * (`locks/writer.lock`, an owner file naming pid, thread and host, its
 * heartbeat refreshed; see lock.ts) taken once and held until the process's
 * last storage on the directory closes, so a publish pays no lock file of
 * its own: inside the process, changes of one plugin, of one blob and of the
 * index are serialized by in-memory mutexes, shared by every storage this
 * thread opens on the directory. A lease whose holder died is broken as any
 * lock is (at once when the holder ran on this machine, else once its
 * heartbeat is older than the stale time); a live holder's makes a write of
 * another process wait up to the wait time, then fail with
 * DataDirectoryBusyError naming the directory and the holder.
 */
import { KeyedMutex } from '../storage/mutex.js';
import { DataDirectoryBusyError } from '../storage/errors.js';
import { FileLocks, LockTimeoutError } from './lock.js';

/** Named exclusive sections: a FileLocks across processes, or the in-process mutexes of a lease holder. */
export interface Locks {
  /** Runs `work` while holding `name`. */
  withLock<T>(name: string, work: () => Promise<T>): Promise<T>;
}

/** Timing of a lease. */
export interface LeaseOptions {
  /** How long a write waits for another process's lease before DataDirectoryBusyError (default 5000 ms). */
  waitMs?: number;
  /** A lease whose heartbeat is older than this is abandoned (default 60 s; its heartbeat runs every staleMs / 4, at most 5 s). */
  staleMs?: number;
}

/** The lease of one data directory as a storage sees it. */
export interface DataDirectoryLease {
  /** In-process exclusive sections of the directory's writes (one set per directory and thread). */
  readonly locks: Locks;
  /** True while this process holds the lease. */
  readonly held: boolean;
  /**
   * Resolves once this process holds the lease, taking it (and breaking an
   * abandoned one) if needed; waits at most `waitMs` (0: one try) for a
   * live holder, then rejects with DataDirectoryBusyError.
   */
  acquire(waitMs?: number): Promise<void>;
  /** Drops this storage's share; the last share of the process releases the lease. */
  close(): Promise<void>;
}

interface Shared {
  shares: number;
  mutex: KeyedMutex;
  release: (() => Promise<void>) | undefined;
  taking: Promise<void> | undefined;
}

const LEASE_LOCK = 'writer';
const DEFAULT_WAIT_MS = 5000;
const shared = new Map<string, Shared>();

/**
 * Opens the lease of the data directory `root` (whose `locks/` and `tmp/`
 * exist) for one storage, without taking it yet.
 * @example
 * const lease = openLease(root, join(root, 'locks'), join(root, 'tmp'));
 * await lease.acquire();
 */
export function openLease(root: string, lockDirectory: string, tempDirectory: string, options: LeaseOptions = {}): DataDirectoryLease {
  let state = shared.get(root);
  if (state === undefined) {
    state = { shares: 0, mutex: new KeyedMutex(), release: undefined, taking: undefined };
    shared.set(root, state);
  }
  const own = state;
  own.shares++;
  let closed = false;
  const defaultWaitMs = options.waitMs ?? DEFAULT_WAIT_MS;

  function take(waitMs: number): Promise<void> {
    const locks = new FileLocks(lockDirectory, tempDirectory, { timeoutMs: waitMs, ...(options.staleMs === undefined ? {} : { staleMs: options.staleMs }) });
    const taking = locks.hold(LEASE_LOCK).then(
      (release) => {
        own.release = release;
      },
      (error: unknown) => {
        if (error instanceof LockTimeoutError) throw new DataDirectoryBusyError(root, error.holder ?? 'another process', waitMs, error);
        throw error;
      },
    );
    own.taking = taking;
    return taking.finally(() => {
      if (own.taking === taking) own.taking = undefined;
    });
  }

  return {
    locks: { withLock: (name, work) => own.mutex.run(name, work) },
    get held() {
      return own.release !== undefined;
    },
    async acquire(waitMs = defaultWaitMs) {
      if (closed) throw new Error(`the storage of ${root} is closed`);
      while (own.release === undefined) {
        if (own.taking === undefined) return take(waitMs);
        await own.taking.catch(() => undefined);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (--own.shares > 0) return;
      shared.delete(root);
      await own.taking?.catch(() => undefined);
      await own.release?.();
      own.release = undefined;
    },
  };
}
