/**
 * Exclusive locks that hold across processes sharing a data directory: a
 * lock is a file in `locks/`, created atomically (written aside, then
 * hard-linked into place, which fails if the name exists) and holding the
 * owner's pid, host and a nonce. A lock whose owner died is broken at once
 * (same host, pid gone); any lock older than `staleMs` is broken too (pid
 * reused, or another host). Breaking is itself guarded by a `.break` file so
 * that two waiters never both break the same lock. Inside one process a
 * KeyedMutex queues the callers, so only one of them polls the file.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KeyedMutex } from '../storage/mutex.js';
import { tempFileName } from './atomic.js';
import { isProcessAlive } from './temp-files.js';

/** Tuning of a FileLocks. */
export interface FileLockOptions {
  /** A lock held longer than this is taken to be abandoned, whoever holds it (default 60 s). */
  staleMs?: number;
  /** Waiting longer than this for a lock rejects (default 30 s). */
  timeoutMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  at: number;
}

const BREAKER_STALE_MS = 10_000;

/**
 * Nonces of the locks this process holds, across every FileLocks instance:
 * a lock file with our pid but a nonce not in here was left by an earlier
 * process that had the same pid, and is stale.
 */
const heldByThisProcess = new Set<string>();

/** Raised when a lock could not be had in time. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/** Named locks in one directory (created beforehand), for this process and every other one. */
export class FileLocks {
  readonly #directory: string;
  readonly #tempDirectory: string;
  readonly #staleMs: number;
  readonly #timeoutMs: number;
  readonly #mutex = new KeyedMutex();
  readonly #host = hostname();

  /** `directory` holds the lock files, `tempDirectory` the files written before they are linked into place. */
  constructor(directory: string, tempDirectory: string, options: FileLockOptions = {}) {
    this.#directory = directory;
    this.#tempDirectory = tempDirectory;
    this.#staleMs = options.staleMs ?? 60_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Runs `work` while holding the lock `name` (a file name: `[A-Za-z0-9@%._-]+`). */
  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!/^[A-Za-z0-9@%._-]+$/.test(name) || name.startsWith('.')) throw new TypeError(`invalid lock name ${JSON.stringify(name)}`);
    return this.#mutex.run(name, async () => {
      const path = join(this.#directory, `${name}.lock`);
      const nonce = await this.#acquire(path);
      try {
        return await work();
      } finally {
        await this.#release(path, nonce);
      }
    });
  }

  async #acquire(path: string): Promise<string> {
    const owner: LockOwner = { pid: process.pid, host: this.#host, nonce: randomBytes(12).toString('hex'), at: Date.now() };
    const draft = join(this.#tempDirectory, tempFileName());
    await writeFile(draft, JSON.stringify(owner));
    const deadline = Date.now() + this.#timeoutMs;
    let wait = 1;
    let acquired = false;
    heldByThisProcess.add(owner.nonce);
    try {
      while (true) {
        if (Date.now() - owner.at > 1000) {
          owner.at = Date.now();
          await writeFile(draft, JSON.stringify(owner));
        }
        try {
          await link(draft, path);
          acquired = true;
          return owner.nonce;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const holder = await readOwner(path);
        if (holder === 'gone') continue;
        if (this.#isStale(holder)) {
          await this.#breakLock(path, holder);
          continue;
        }
        if (Date.now() > deadline) {
          const who = holder.pid === 0 ? 'an unknown process' : `pid ${holder.pid} on ${holder.host}`;
          throw new LockTimeoutError(`timed out after ${this.#timeoutMs} ms waiting for the lock ${path} (held by ${who})`);
        }
        await delay(wait + Math.random() * wait);
        wait = Math.min(wait * 2, 25);
      }
    } finally {
      if (!acquired) heldByThisProcess.delete(owner.nonce);
      await rm(draft, { force: true });
    }
  }

  #isStale(holder: LockOwner): boolean {
    if (Date.now() - holder.at > this.#staleMs) return true;
    if (holder.host !== this.#host) return false;
    if (holder.pid === process.pid) return !heldByThisProcess.has(holder.nonce);
    return !isProcessAlive(holder.pid);
  }

  /** Removes a stale lock, unless another waiter is already doing so or the lock changed meanwhile. */
  async #breakLock(path: string, stale: LockOwner): Promise<void> {
    const breaker = `${path}.break`;
    try {
      await writeFile(breaker, String(process.pid), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const info = await stat(breaker).catch(() => undefined);
      if (info !== undefined && Date.now() - info.mtimeMs > BREAKER_STALE_MS) await rm(breaker, { force: true });
      else await delay(2);
      return;
    }
    try {
      const current = await readOwner(path);
      if (current !== 'gone' && current.nonce === stale.nonce && current.at === stale.at) {
        await rm(path, { force: true });
      }
    } finally {
      await rm(breaker, { force: true });
    }
  }

  async #release(path: string, nonce: string): Promise<void> {
    heldByThisProcess.delete(nonce);
    const current = await readOwner(path);
    if (current !== 'gone' && current.nonce === nonce) await rm(path, { force: true });
  }
}

/**
 * The owner recorded in a lock file; 'gone' when there is no lock. A file
 * that does not parse (written by hand, or damaged) reads as an unknown owner
 * (pid 0) dated by its mtime, so it is broken only once it is older than staleMs.
 */
async function readOwner(path: string): Promise<LockOwner | 'gone'> {
  try {
    const text = await readFile(path, 'utf8');
    const owner = parseOwner(text);
    if (owner !== undefined) return owner;
    const info = await stat(path);
    return { pid: 0, host: '', nonce: `unreadable-${info.ino}`, at: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    const valid = typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.nonce === 'string' && typeof owner.at === 'number';
    return valid ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}
