/**
 * The blobs of the filesystem driver: `blobs/sha256/<hex>`, content-addressed
 * files written atomically and cached in memory. A blob's mtime is when it
 * was last stored: storing a blob that is already there touches it. Storing
 * and deleting one blob hold its lock (`blob-<hex>`), so that garbage
 * collection (storage/gc.ts), which deletes only blobs stored before a
 * cutoff, never deletes one that a publish has just stored again: either the
 * touch comes first (and the deletion is skipped) or the deletion does (and
 * the publish writes the blob anew).
 */
import { lstatSync, utimesSync } from 'node:fs';
import { lstat, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempFileName } from '../fs/atomic.js';
import type { DirectorySyncs } from '../fs/directory-sync.js';
import { commitFile, stageFile } from '../fs/durable-write.js';
import type { Locks } from '../fs/lease.js';
import { SizedLru } from './lru.js';
import { assertBlobAddress } from './snapshot.js';
import type { StoredBlob } from './types.js';

const BLOB_FILE = /^[0-9a-f]{64}$/;

/** Reads, stores, lists and deletes the blobs of a data directory. */
export class FsBlobs {
  readonly #directory: string;
  readonly #temp: string;
  readonly #locks: Locks;
  readonly #cache: SizedLru<Uint8Array>;
  readonly #syncs: DirectorySyncs;

  /** `directory` is `<data>/blobs/sha256`, `temp` the data directory's `tmp/`; `syncs` flushes the directory for every blob stored at once. */
  constructor(directory: string, temp: string, locks: Locks, cacheBytes: number, syncs: DirectorySyncs) {
    this.#directory = directory;
    this.#temp = temp;
    this.#locks = locks;
    this.#syncs = syncs;
    this.#cache = new SizedLru<Uint8Array>(cacheBytes, (bytes) => bytes.byteLength);
  }

  /** The bytes of a blob, or undefined. */
  async get(algorithm: string, hex: string): Promise<Uint8Array | undefined> {
    assertBlobAddress(algorithm, hex);
    const cached = this.#cache.get(hex);
    if (cached !== undefined) return cached;
    try {
      const bytes = new Uint8Array(await readFile(join(this.#directory, hex)));
      this.#cache.set(hex, bytes);
      return bytes;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The bytes of a blob if they are in memory (no disk read). */
  peek(hex: string): Uint8Array | undefined {
    return this.#cache.get(hex);
  }

  /**
   * Stores a blob, or renews the mtime of the stored one; resolves once it
   * is durable (file and directory entry flushed). The bytes are written and
   * flushed before the lock is taken, so that several blobs of one publish
   * are flushed at once and the lock is held only for the rename.
   */
  async put(algorithm: string, hex: string, bytes: Uint8Array): Promise<void> {
    assertBlobAddress(algorithm, hex);
    const path = join(this.#directory, hex);
    if ((await lstat(path).catch(() => undefined))?.isFile() && (await this.#touch(path, hex))) return;
    const temp = join(this.#temp, tempFileName());
    await stageFile(temp, bytes);
    let committed = false;
    try {
      await this.#locks.withLock(`blob-${hex}`, async () => {
        // Stored meanwhile (the same bundle published twice at once): renew it rather than replace it.
        const info = await lstat(path).catch(() => undefined);
        if (info?.isFile() && (await touch(path))) return;
        await commitFile(temp, path, this.#syncs);
        committed = true;
      });
    } finally {
      if (!committed) await rm(temp, { force: true });
    }
  }

  /**
   * True when the blob is stored (its mtime renewed under its lock, so that
   * garbage collection keeps it); false when a change must store it.
   */
  async renew(algorithm: string, hex: string): Promise<boolean> {
    assertBlobAddress(algorithm, hex);
    const path = join(this.#directory, hex);
    return lstatSync(path, { throwIfNoEntry: false })?.isFile() === true && (await this.#touch(path, hex));
  }

  /** Renews the mtime of a stored blob under its lock; false when it is gone (garbage collection took it first). */
  #touch(path: string, hex: string): Promise<boolean> {
    return this.#locks.withLock(`blob-${hex}`, () => touch(path));
  }

  /** Every blob file, with its size and mtime. */
  async list(): Promise<StoredBlob[]> {
    const out: StoredBlob[] = [];
    for (const hex of await readdir(this.#directory)) {
      if (!BLOB_FILE.test(hex)) continue;
      const info = await lstat(join(this.#directory, hex)).catch(() => undefined);
      if (info?.isFile()) out.push({ algorithm: 'sha256', hex, size: info.size, storedAt: info.mtimeMs });
    }
    return out;
  }

  /** Deletes a blob last stored before `storedBefore`; true when it did. */
  async delete(algorithm: string, hex: string, storedBefore: number): Promise<boolean> {
    assertBlobAddress(algorithm, hex);
    const path = join(this.#directory, hex);
    return this.#locks.withLock(`blob-${hex}`, async () => {
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isFile() || info.mtimeMs >= storedBefore) return false;
      await rm(path, { force: true });
      this.#cache.delete(hex);
      return true;
    });
  }

  /** Empties the memory cache. */
  clear(): void {
    this.#cache.clear();
  }
}

/** Sets a file's mtime to now; false when that fails (the file is gone). */
async function touch(path: string): Promise<boolean> {
  // Synchronous: a metadata update of microseconds, not a trip through the thread pool behind the flushes there.
  const now = new Date();
  try {
    utimesSync(path, now, now);
    return true;
  } catch {
    return false;
  }
}
