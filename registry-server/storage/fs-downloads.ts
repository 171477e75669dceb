/**
 * Download counts of the filesystem driver: `plugins/<name>/downloads.json`
 * per plugin. Counts are added in memory and flushed every `flushMs` (and
 * on close, or when asked): for each plugin with new counts, under its
 * `downloads-<name>` lock (several processes may share the directory), the
 * file is read, the new counts added and the result written atomically
 * (temp file, fsync, rename, fsync of the directory). A flush resolves only
 * once every count it took is on disk; counts whose write failed go back to
 * memory for the next flush. A crash loses at most the counts added since
 * the last flush (one interval); a crash during a write leaves the previous
 * file whole. The document lock is not taken: counting never waits on a
 * publish.
 */
import { join, relative, sep } from 'node:path';
import { ensureDirectory, writeFileAtomic } from '../../src/node/atomic-write.js';
import { inTemp } from '../fs/atomic.js';
import type { FileLocks } from '../fs/lock.js';
import type { RegistryLogEntry } from '../options.js';
import { addToRecord, emptyDownloads, MAX_DOWNLOADS_RECORD_BYTES, mergeRecords, parseDownloads, serializeDownloads } from './downloads.js';
import { StoredDocumentError } from './errors.js';
import { readDataFile, readProblem } from './fs-read.js';
import type { DownloadCounts, DownloadIncrement } from './types.js';

/** Where the counts live and how often they are written. */
export interface FsDownloadsOptions {
  /** The data directory (files are named relative to it in errors). */
  root: string;
  /** The directory of a plugin (`plugins/<name>`, `%2F` for a scope's slash). */
  directoryOf(name: string): string;
  /** The directory name of a plugin, for its lock's name. */
  lockNameOf(name: string): string;
  temp: string;
  /** Receives a line when a flush fails (its counts are kept for the next one). */
  log: (entry: RegistryLogEntry) => void;
}

/** The counts of the filesystem driver: added in memory, flushed in batches. */
export class FsDownloads {
  readonly #options: FsDownloadsOptions;
  readonly #locks: FileLocks;
  /** Counts added and not yet flushed, by plugin, with the time of the last one. */
  #pending = new Map<string, { record: DownloadCounts; at: number }>();
  /** Plugins whose counts a flush took and has not written (or given back) yet: resolves when it has. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** The flush under way (flushes run one at a time). */
  #flushing: Promise<void> = Promise.resolve();
  readonly #timer: ReturnType<typeof setInterval>;

  /** Flushes every `flushMs` (a positive integer: the FsStorageOptions.downloadsFlushMs). */
  constructor(options: FsDownloadsOptions, flushMs: number, locks: FileLocks) {
    if (!Number.isSafeInteger(flushMs) || flushMs <= 0) throw new RangeError(`createFsStorage: downloadsFlushMs must be a positive integer (got ${flushMs})`);
    this.#options = options;
    this.#locks = locks;
    this.#timer = setInterval(() => {
      this.flush().catch((error: unknown) => {
        options.log({ level: 'error', message: `download counts: a flush failed, its counts are kept for the next one: ${(error as Error).message}`, error });
      });
    }, flushMs);
    this.#timer.unref();
  }

  /** Adds checked increments to the pending counts. */
  add(increments: readonly DownloadIncrement[], at: number): void {
    for (const { name, version, count } of increments) {
      let pending = this.#pending.get(name);
      if (pending === undefined) this.#pending.set(name, (pending = { record: emptyDownloads(), at }));
      pending.at = Math.max(pending.at, at);
      addToRecord(pending.record, version, count, at);
    }
  }

  /** The stored counts of `name` with the pending ones added (after the write of its counts under way, so that none is missed or seen twice). */
  async get(name: string): Promise<DownloadCounts> {
    await this.#inFlight.get(name);
    const stored = await this.#read(name);
    const pending = this.#pending.get(name);
    if (pending !== undefined) mergeRecords(stored, pending.record, pending.at);
    return stored;
  }

  /** Writes every pending count; resolves when they are on disk (rejects, keeping the failed ones pending, when a write fails). */
  flush(): Promise<void> {
    const next = this.#flushing.catch(() => undefined).then(() => this.#flushPending());
    this.#flushing = next;
    return next;
  }

  /** Stops the timer and flushes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  async #flushPending(): Promise<void> {
    const taken = this.#pending;
    this.#pending = new Map();
    const done = new Map<string, () => void>();
    for (const name of taken.keys()) this.#inFlight.set(name, new Promise<void>((resolve) => done.set(name, resolve)));
    let failure: unknown;
    for (const [name, pending] of taken) {
      try {
        await this.#write(name, pending.record, pending.at);
      } catch (error) {
        failure ??= error;
        this.#restore(name, pending);
      } finally {
        this.#inFlight.delete(name);
        done.get(name)?.();
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Puts counts whose write failed back with the pending ones. */
  #restore(name: string, failed: { record: DownloadCounts; at: number }): void {
    const pending = this.#pending.get(name);
    if (pending === undefined) {
      this.#pending.set(name, failed);
      return;
    }
    pending.at = Math.max(pending.at, failed.at);
    mergeRecords(pending.record, failed.record, pending.at);
  }

  async #write(name: string, added: DownloadCounts, at: number): Promise<void> {
    const directory = this.#options.directoryOf(name);
    await this.#locks.withLock(`downloads-${this.#options.lockNameOf(name)}`, async () => {
      const record = await this.#read(name);
      mergeRecords(record, added, at);
      await ensureDirectory(directory);
      await writeFileAtomic(join(directory, 'downloads.json'), serializeDownloads(record), inTemp(this.#options.temp));
    });
  }

  /** The stored counts of `name`; empty when there are none. A damaged file is a StoredDocumentError naming it (it is never overwritten). */
  async #read(name: string): Promise<DownloadCounts> {
    const path = join(this.#options.directoryOf(name), 'downloads.json');
    try {
      const bytes = await readDataFile(path, MAX_DOWNLOADS_RECORD_BYTES);
      return bytes === undefined ? emptyDownloads() : parseDownloads(bytes);
    } catch (error) {
      const damaged = error instanceof TypeError || error instanceof SyntaxError;
      const problem = damaged ? `it is not a downloads record (${error.message}); it must be repaired or removed on the server` : readProblem(path, error);
      const file = relative(this.#options.root, path).split(sep).join('/');
      throw new StoredDocumentError(`the download counts of ${name} (${file}) cannot be used: ${problem}`, name, file, error);
    }
  }
}
