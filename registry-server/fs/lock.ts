/**
 * Exclusive locks that hold across processes sharing a data directory.
 *
 * A lock `name` is the directory `locks/<name>.lock` holding one owner file
 * `<nonce>.owner` (pid, thread, host, machine; see lock-owner.ts). It is
 * taken by writing that directory aside in `tmp/` and renaming it into place:
 * a rename onto a non-empty directory fails, so exactly one taker wins, and
 * a lock never exists without its owner. Every removal is conditional, which
 * is what keeps it race-free: the releaser, and a waiter breaking an
 * abandoned lock, unlink the owner file by its nonce (which fails unless
 * that very owner still holds it), then `rmdir` the directory (which fails
 * unless it is empty; an empty lock directory is a free lock, since a lock
 * only ever appears populated). No check-then-remove, so a late releaser or
 * a second breaker can never remove a newer holder's lock.
 *
 * The holder refreshes its owner file's mtime every `staleMs / 4` (at most
 * 5 s) on a timer that does not keep the process alive. A lock is broken
 * when its holder ran on this machine and its process is gone (at once), or
 * when its heartbeat is older than `staleMs` (another host, a hung holder,
 * a reused pid). A holder whose lock was broken under it (it hung for
 * longer than `staleMs`) finds its owner file gone: its heartbeat stops and
 * its release removes nothing. Inside one FileLocks a KeyedMutex queues the
 * callers; waiters of this thread are woken when a holder of this thread
 * releases, others poll (1 to 20 ms). The nonces this thread holds are kept
 * until their owner file is gone, so that a lock of our own pid and thread
 * that is not ours is known to be a previous life's. Lock files of older
 * versions (a plain file at the same name) are still honoured, and removed
 * once abandoned.
 *
 * Why not proper-lockfile: it is the well-kept choice (mkdir lock, mtime
 * heartbeat, stale detection), but (1) its removals are by path, not by
 * owner: its stale reclaim is rmdir-then-mkdir, so two waiters that both
 * judge a lock stale can both end up holding it (moxystudio/
 * node-proper-lockfile#121, open), and a release rmdirs whatever lock is
 * there, a newer holder's too if its own went stale before its timer
 * noticed; (2) it knows no pid, so a holder killed by a crash blocks
 * everyone for the whole stale time (10 s by default) instead of being
 * broken at once; (3) a lock it judges compromised is reported through
 * `onCompromised`, whose default throws from a timer and ends the process
 * (a registry must not exit because a disk was slow); (4) it brings
 * graceful-fs, retry and signal-exit into every host install of this
 * package for ~250 lines tested here. On a network filesystem its mkdir is
 * no more atomic than the rename used here: each is one request to the
 * server, and a retransmitted request can report as failed an operation
 * that was done (checked for here after a failed rename). Both work across
 * processes of one host and across hosts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedMutex } from '../storage/mutex.js';
import { tempFileName } from './atomic.js';
import { describeOwner, isAbandoned, ownOwner, readOwnerFile, unknownOwner, type ObservedOwner } from './lock-owner.js';

/** Tuning of a FileLocks. */
export interface FileLockOptions {
  /** A lock whose heartbeat is older than this is taken to be abandoned (default 60 s; the heartbeat runs every staleMs / 4, at most 5 s). */
  staleMs?: number;
  /** Waiting longer than this for a lock rejects (default 30 s). */
  timeoutMs?: number;
}

/** Raised when a lock could not be had in time; `holder` names who held it last seen (`pid 12 on host`), when known. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  readonly holder: string | undefined;
  constructor(message: string, holder?: string) {
    super(message);
    this.holder = holder;
  }
}

const OWNER_SUFFIX = '.owner';
const OWNER_NAME = /^[0-9a-f]{24}\.owner$/;
/** What a rename onto a taken lock fails with (a directory that is not empty; a lock file of an older version). */
const TAKEN = new Set(['ENOTEMPTY', 'EEXIST', 'ENOTDIR', ...(process.platform === 'win32' ? ['EPERM', 'EACCES'] : [])]);
/** What a conditional removal fails with when the condition does not hold (someone else released, broke or took it). */
const NOT_OURS = new Set(['ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR', 'EPERM', 'EBUSY']);
const MAX_POLL_MS = 20;
/** Tries in a row without a pause when the lock looked free (or was just broken) but was not had. */
const MAX_QUICK_RETRIES = 3;

/**
 * Nonces of the locks this thread holds, across every FileLocks instance
 * and every copy of this module: a lock with our pid and thread but a nonce
 * not in here was left by an earlier process that had the same pid.
 */
const HELD_KEY = Symbol.for('plughub.fs.lock.held');
const heldHere = ((globalThis as Record<symbol, unknown>)[HELD_KEY] ??= new Set<string>()) as Set<string>;

/** Waiters of this thread per lock path, woken when a holder of this thread releases it (others poll). */
const waitersHere = new Map<string, Set<() => void>>();

/** Named locks in one directory (created beforehand), for this process and every other one. */
export class FileLocks {
  readonly #directory: string;
  readonly #tempDirectory: string;
  readonly #staleMs: number;
  readonly #timeoutMs: number;
  readonly #heartbeatMs: number;
  readonly #mutex = new KeyedMutex();

  /** `directory` holds the locks, `tempDirectory` (same filesystem) the locks being written before they are renamed into place. */
  constructor(directory: string, tempDirectory: string, options: FileLockOptions = {}) {
    this.#directory = directory;
    this.#tempDirectory = tempDirectory;
    this.#staleMs = options.staleMs ?? 60_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#heartbeatMs = Math.max(1, Math.floor(Math.min(5_000, this.#staleMs / 4)));
  }

  /** Runs `work` while holding the lock `name` (a file name: `[A-Za-z0-9@%._-]+`). */
  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    assertLockName(name);
    return this.#mutex.run(name, async () => {
      const path = join(this.#directory, `${name}.lock`);
      const nonce = await this.#acquire(path);
      const stopHeartbeat = this.#startHeartbeat(join(path, `${nonce}${OWNER_SUFFIX}`));
      try {
        return await work();
      } finally {
        stopHeartbeat();
        await release(path, nonce);
      }
    });
  }

  /**
   * Takes the lock `name` and keeps it, its heartbeat running, until the
   * returned function releases it: a lease held for a process's lifetime
   * rather than around one piece of work. Waits like withLock (at most
   * `timeoutMs`, then LockTimeoutError naming the holder); a second hold of
   * one name in this thread waits for the first to be released.
   */
  async hold(name: string): Promise<() => Promise<void>> {
    assertLockName(name);
    const path = join(this.#directory, `${name}.lock`);
    const nonce = await this.#acquire(path);
    const stopHeartbeat = this.#startHeartbeat(join(path, `${nonce}${OWNER_SUFFIX}`));
    let released: Promise<void> | undefined;
    return () => {
      released ??= (async () => {
        stopHeartbeat();
        await release(path, nonce);
      })();
      return released;
    };
  }

  /**
   * Takes the lock at `path`, breaking an abandoned one; resolves to the
   * nonce of its owner file. The draft and the rename that takes a free lock
   * are synchronous calls: a few metadata operations with no flush, far
   * cheaper than as many trips through the thread pool, which a publish
   * paid for each of its locks.
   */
  async #acquire(path: string): Promise<string> {
    const nonce = randomBytes(12).toString('hex');
    const draft = join(this.#tempDirectory, tempFileName());
    const draftOwner = join(draft, `${nonce}${OWNER_SUFFIX}`);
    mkdirSync(draft);
    let acquired = false;
    try {
      writeFileSync(draftOwner, JSON.stringify(ownOwner(nonce)), { flag: 'wx' });
      let touchedAt = Date.now();
      heldHere.add(nonce);
      const deadline = Date.now() + this.#timeoutMs;
      let wait = 1;
      let holder: ObservedOwner | undefined;
      let quickRetries = 0;
      while (true) {
        if (Date.now() - touchedAt > this.#heartbeatMs) {
          const now = new Date();
          await utimes(draftOwner, now, now);
          touchedAt = now.getTime();
        }
        try {
          renameSync(draft, path);
          acquired = true;
          return nonce;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? '';
          // A network filesystem may report a rename it did (then retried) as failed: the lock holds our owner file.
          acquired = code === 'ENOENT' && (await isFile(join(path, `${nonce}${OWNER_SUFFIX}`)));
          if (acquired) return nonce;
          if (!TAKEN.has(code)) throw error;
        }
        holder = await this.#inspect(path);
        if (holder === undefined && quickRetries++ < MAX_QUICK_RETRIES) continue;
        // Checked once a try failed, not before: a timeout of 0 still takes a free lock, or breaks an abandoned one and takes it.
        if (Date.now() >= deadline) {
          const who = holder === undefined ? 'a process that kept taking it' : describeOwner(holder);
          throw new LockTimeoutError(
            `timed out after ${this.#timeoutMs} ms waiting for the lock ${path} (held by ${who})`,
            holder === undefined ? undefined : describeOwner(holder),
          );
        }
        await pause(path, wait + Math.random() * wait);
        wait = Math.min(wait * 2, MAX_POLL_MS);
        quickRetries = 0;
      }
    } finally {
      if (!acquired) {
        heldHere.delete(nonce);
        await rm(draft, { recursive: true, force: true });
      }
    }
  }

  /**
   * Looks at the lock at `path`: resolves to its holder while it is held,
   * or to undefined when it is free now (it was gone, empty, or abandoned
   * and this call broke it), so that taking it is worth another try.
   */
  async #inspect(path: string): Promise<ObservedOwner | undefined> {
    let names: string[];
    try {
      names = await readdir(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ENOTDIR') return this.#inspectLegacy(path);
      throw error;
    }
    const ownerName = names.find((name) => OWNER_NAME.test(name));
    if (ownerName === undefined) {
      if (names.length > 0) return { ...unknownOwner(''), heartbeatAt: Date.now() };
      removeIfEmpty(path);
      return undefined;
    }
    const ownerFile = join(path, ownerName);
    const nonce = ownerName.slice(0, -OWNER_SUFFIX.length);
    const read = await readOwnerFile(ownerFile, nonce);
    if (read === undefined) return undefined;
    const owner = { ...read, nonce };
    if (!isAbandoned(owner, this.#staleMs, heldHere)) return owner;
    unlinkIfPresent(ownerFile);
    removeIfEmpty(path);
    return undefined;
  }

  /** A plain lock file written by an older version: honoured until abandoned, then removed (never a lock directory). */
  async #inspectLegacy(path: string): Promise<ObservedOwner | undefined> {
    const owner = await readOwnerFile(path, 'legacy', true).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EISDIR') return undefined;
      throw error;
    });
    if (owner === undefined) return undefined;
    if (!isAbandoned(owner, this.#staleMs, heldHere)) return owner;
    unlinkIfPresent(path);
    return undefined;
  }

  /** Refreshes the mtime of a held lock's owner file until stopped; stops by itself once the file is gone. */
  #startHeartbeat(ownerFile: string): () => void {
    let beating = false;
    const timer = setInterval(() => {
      if (beating) return;
      beating = true;
      const now = new Date();
      utimes(ownerFile, now, now).then(
        () => (beating = false),
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') clearInterval(timer);
          else beating = false;
        },
      );
    }, this.#heartbeatMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

function assertLockName(name: string): void {
  if (!/^[A-Za-z0-9@%._-]+$/.test(name) || name.startsWith('.')) throw new TypeError(`invalid lock name ${JSON.stringify(name)}`);
}

/**
 * Releases a lock this thread took: removes its own owner file (by nonce, so
 * never a newer holder's), then the directory if it is empty, and only then
 * forgets the nonce, so that no waiter of this thread judges the lock
 * abandoned while its owner file is still in place.
 */
async function release(path: string, nonce: string): Promise<void> {
  try {
    unlinkIfPresent(join(path, `${nonce}${OWNER_SUFFIX}`));
    removeIfEmpty(path);
  } finally {
    heldHere.delete(nonce);
    for (const wake of [...(waitersHere.get(path) ?? [])]) wake();
  }
}

/** Waits `ms`, or less if a holder of this thread releases the lock at `path` meanwhile. */
function pause(path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const waiters = waitersHere.get(path) ?? new Set<() => void>();
    waitersHere.set(path, waiters);
    const wake = () => {
      clearTimeout(timer);
      waiters.delete(wake);
      if (waiters.size === 0 && waitersHere.get(path) === waiters) waitersHere.delete(path);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiters.add(wake);
  });
}

/** Unlinks a file, unless it is gone already (or is a lock directory now); synchronous, like every removal of a lock. */
function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!NOT_OURS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}

/** Removes a lock directory if it is empty (a free lock); a taken one is left alone. */
function removeIfEmpty(path: string): void {
  try {
    rmdirSync(path);
  } catch (error) {
    if (!NOT_OURS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
}
