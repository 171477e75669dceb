/**
 * The files of acknowledged changes, waiting to be put in place. A change is
 * durable once its journal record is (fs-journal.ts): the record holds every
 * byte of its blobs and document, and replay puts them in place after a
 * crash. So the change is acknowledged first, and its files are written and
 * renamed into place right after (in a setImmediate, once the answer went
 * out; blobs first, the document last, changes in the order they were
 * committed, so that a process reading the files sees a version entirely or
 * not at all), through the thread pool, so that the event loop is free for
 * the next request meanwhile (a rename over an existing file takes a
 * quarter of a millisecond on ext4). Until then this process serves the change from here: the
 * latest document of each plugin and every blob waiting are kept in memory,
 * and the driver looks here before its caches and the disk, so a client sees
 * its own publish at once. A checkpoint puts everything in place before it
 * flushes and empties the journal; a failure to put a file in place is
 * logged, the change stays here (still served), and the next checkpoint
 * tries again before it may empty the journal.
 */
import { renameSync, rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempFileName } from '../fs/atomic.js';
import { writeNewFile } from '../fs/durable-write.js';
import type { RegistryLogEntry } from '../options.js';
import type { DocumentSnapshot } from './types.js';

/** One acknowledged change whose files are not in place yet. */
export interface UnplacedChange {
  name: string;
  /** The document file it replaces. */
  target: string;
  snapshot: DocumentSnapshot;
  blobs: readonly { hex: string; bytes: Uint8Array }[];
  /** Called once the document is in place (with nothing else in between), for the driver's caches and index. */
  placed?: (snapshot: DocumentSnapshot) => void;
}

/** Where placement writes, and what runs before it (a fault-injection point for crash tests). */
export interface PlacementOptions {
  blobs: string;
  temp: string;
  log: (entry: RegistryLogEntry) => void;
  /** Awaited before each round of placement; a process killed while it waits has acknowledged changes whose files are not in place. */
  beforePlacement?: () => Promise<void>;
}

/** The queue of unplaced changes of one data directory, and the bytes it serves meanwhile. */
export class Placement {
  readonly #options: PlacementOptions;
  #queue: UnplacedChange[] = [];
  /** The latest unplaced document of each plugin. */
  readonly #documents = new Map<string, DocumentSnapshot>();
  /** Unplaced blobs by hex, with the number of queued changes carrying each. */
  readonly #blobs = new Map<string, { bytes: Uint8Array; changes: number }>();
  #scheduled: Promise<void> | undefined;
  /** The run putting the queue in place, while one is under way. */
  #running: Promise<void> | undefined;
  /** Paths put in place since the last checkpoint took them. */
  #placedPaths = new Set<string>();
  /** The failure of the last round, so that a run of them is logged once. */
  #failure: unknown;

  constructor(options: PlacementOptions) {
    this.#options = options;
  }

  /** Queues an acknowledged change, served from memory until its files are in place (soon after). */
  add(change: UnplacedChange): void {
    this.#queue.push(change);
    this.#documents.set(change.name, change.snapshot);
    for (const blob of change.blobs) {
      const held = this.#blobs.get(blob.hex);
      if (held === undefined) this.#blobs.set(blob.hex, { bytes: blob.bytes, changes: 1 });
      else held.changes++;
    }
    this.#scheduled ??= this.#schedule();
  }

  /** The unplaced document of `name`, if it has one. */
  document(name: string): DocumentSnapshot | undefined {
    return this.#documents.get(name);
  }

  /** The bytes of an unplaced blob. */
  blob(hex: string): Uint8Array | undefined {
    return this.#blobs.get(hex)?.bytes;
  }

  /** True when nothing waits. */
  get empty(): boolean {
    return this.#queue.length === 0;
  }

  /** Resolves once the round of placement scheduled now (if any) has run; never rejects. */
  async settled(): Promise<void> {
    await this.#scheduled;
  }

  /**
   * Puts every queued change in place, in order (joining the run under way,
   * if any); rejects with the first failure, leaving that change and those
   * after it queued.
   */
  async placeAll(): Promise<void> {
    while (this.#queue.length > 0) {
      this.#running ??= this.#run().finally(() => {
        this.#running = undefined;
      });
      await this.#running;
    }
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0) {
      const change = this.#queue[0]!;
      for (const blob of change.blobs) await this.#placeFileAsync(join(this.#options.blobs, blob.hex), blob.bytes);
      await this.#placeFileAsync(change.target, change.snapshot.bytes);
      this.#queue.shift();
      for (const blob of change.blobs) {
        const held = this.#blobs.get(blob.hex);
        if (held !== undefined && --held.changes === 0) this.#blobs.delete(blob.hex);
      }
      if (this.#documents.get(change.name) === change.snapshot) this.#documents.delete(change.name);
      change.placed?.(change.snapshot);
    }
  }

  /** The paths put in place since the last call (for the checkpoint to flush). */
  takePlacedPaths(): string[] {
    const paths = [...this.#placedPaths];
    this.#placedPaths = new Set();
    return paths;
  }

  /** Gives paths back to the next checkpoint (this one failed). */
  returnPlacedPaths(paths: readonly string[]): void {
    for (const path of paths) this.#placedPaths.add(path);
  }

  async #schedule(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      await this.#options.beforePlacement?.();
      await this.placeAll();
      this.#failure = undefined;
    } catch (error) {
      // Logged once per run of failures; the change stays served from memory, and the next checkpoint tries again.
      if (this.#failure === undefined) {
        this.#options.log({
          level: 'error',
          message: `journal: putting the files of a change in place failed (tried again at the checkpoint): ${(error as Error).message}`,
          error,
        });
      }
      this.#failure = error;
    } finally {
      this.#scheduled = undefined;
    }
  }

  /** placeFile through the thread pool. */
  async #placeFileAsync(target: string, bytes: Uint8Array): Promise<void> {
    const temp = join(this.#options.temp, tempFileName());
    try {
      await writeFile(temp, bytes, { flag: 'wx', mode: 0o644 });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    this.#placedPaths.add(target);
  }

  /** Writes `bytes` to a temp file and renames it onto `target`, without flushing; remembered for the next checkpoint (replay puts files in place with it). */
  placeFile(target: string, bytes: Uint8Array): void {
    const temp = join(this.#options.temp, tempFileName());
    writeNewFile(temp, bytes);
    try {
      renameSync(temp, target);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    this.#placedPaths.add(target);
  }
}
