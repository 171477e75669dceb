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
import { lstat, readFile, readdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/node/atomic-write.js';
import { inTemp } from '../fs/atomic.js';
import type { FileLocks } from '../fs/lock.js';
import { SizedLru } from './lru.js';
import { assertBlobAddress } from './snapshot.js';
import type { StoredBlob } from './types.js';

const BLOB_FILE = /^[0-9a-f]{64}$/;

/** Reads, stores, lists and deletes the blobs of a data directory. */
export class FsBlobs {
  readonly #directory: string;
  readonly #temp: string;
  readonly #locks: FileLocks;
  readonly #cache: SizedLru<Uint8Array>;

  /** `directory` is `<data>/blobs/sha256`, `temp` the data directory's `tmp/`. */
  constructor(directory: string, temp: string, locks: FileLocks, cacheBytes: number) {
    this.#directory = directory;
    this.#temp = temp;
    this.#locks = locks;
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

  /** Stores a blob, or renews the mtime of the stored one. */
  async put(algorithm: string, hex: string, bytes: Uint8Array): Promise<void> {
    assertBlobAddress(algorithm, hex);
    const path = join(this.#directory, hex);
    await this.#locks.withLock(`blob-${hex}`, async () => {
      const info = await lstat(path).catch(() => undefined);
      if (info?.isFile()) {
        const now = new Date();
        const touched = await utimes(path, now, now).then(
          () => true,
          () => false,
        );
        if (touched) return;
      }
      await writeFileAtomic(path, bytes, inTemp(this.#temp));
    });
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
