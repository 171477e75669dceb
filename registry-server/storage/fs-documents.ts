/**
 * The plugin documents of the filesystem driver as it reads them
 * (`plugins/<name>/document.json`), cached in memory. A change this process
 * committed is served from the journal's placement (fs-placement.ts) until
 * its file is in place, then from the cache, with the stats of the file it
 * was put in. A cached document is served without touching the disk until
 * something may have changed it: another process's commit is noticed
 * through a watch on the data directory (every commit is followed by a
 * rename of index.json into it, within about 100 ms: fs-index.ts), and,
 * should notifications be unavailable (network
 * filesystems), by a stat of the file at most `revalidateMs` after the last
 * one. `get(name, { fresh })` always checks the file. Files are read through
 * the bounded reader (fs-read.ts): a document that is not a regular file, is
 * too large, or (for a change) is not a plugin document fails that one
 * plugin with a StoredDocumentError naming it and its file.
 */
import { statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { PluginDocument } from '../../src/core/registry/index.js';
import { sameFile } from '../fs/atomic.js';
import { StoredDocumentError } from './errors.js';
import { describeDocument } from './fs-index-entries.js';
import type { Placement } from './fs-placement.js';
import { readDataFile, readProblem } from './fs-read.js';
import { SizedLru } from './lru.js';
import { parseDocument, snapshotOfBytes } from './snapshot.js';
import type { DocumentSnapshot } from './types.js';

interface CachedDocument {
  info: Stats;
  snapshot: DocumentSnapshot;
  /** When the file was last checked (Date.now()). */
  checkedAt: number;
  /** The change generation it was checked in (see `watchChanges`). */
  generation: number;
}

/** Where the documents are and how they are cached. */
export interface FsDocumentsOptions {
  root: string;
  plugins: string;
  /** The document file of a plugin. */
  documentPath: (name: string) => string;
  maxDocumentBytes: number;
  revalidateMs: number;
  cacheBytes: number;
}

/** The document a change starts from: its bytes, parsed, and the snapshot when one is at hand. */
export interface CurrentDocument {
  bytes: Uint8Array;
  document: PluginDocument;
  snapshot?: DocumentSnapshot;
}

/** Reads and caches the documents of one data directory. */
export class FsDocuments {
  readonly #options: FsDocumentsOptions;
  readonly #cache: SizedLru<CachedDocument>;
  readonly #changes: { readonly generation: number; close(): void };
  /** The journal's placement, once this process holds the write lease. */
  placement: Placement | undefined;
  /** Counts this driver's commits, so that a read that began before one does not cache what it read. */
  #commits = 0;
  /** The documents this process committed, by the snapshot of their bytes: the next change starts from them without a parse. */
  readonly #parsed = new WeakMap<DocumentSnapshot, PluginDocument>();

  constructor(options: FsDocumentsOptions) {
    this.#options = options;
    this.#cache = new SizedLru<CachedDocument>(options.cacheBytes, (entry) => entry.snapshot.bytes.byteLength);
    this.#changes = watchChanges(options.root);
  }

  /** The served document of `name` (see the module comment). */
  async get(name: string, fresh = false): Promise<DocumentSnapshot | undefined> {
    const unplaced = this.placement?.document(name);
    if (unplaced !== undefined) return unplaced;
    const cached = this.#cache.get(name);
    const now = Date.now();
    if (cached !== undefined && !fresh && cached.generation === this.#changes.generation && now - cached.checkedAt < this.#options.revalidateMs) {
      return cached.snapshot;
    }
    const path = this.#options.documentPath(name);
    const generation = this.#changes.generation;
    const info = statSync(path, { throwIfNoEntry: false });
    if (info === undefined) {
      this.#cache.delete(name);
      return undefined;
    }
    if (cached !== undefined && sameFile(cached.info, info)) {
      cached.checkedAt = now;
      cached.generation = generation;
      return cached.snapshot;
    }
    return this.#load(name, path, info);
  }

  /** The served document of `name` when it is at hand without a look at the disk. */
  peek(name: string): DocumentSnapshot | undefined {
    const unplaced = this.placement?.document(name);
    if (unplaced !== undefined) return unplaced;
    const cached = this.#cache.get(name);
    if (cached === undefined || cached.generation !== this.#changes.generation || Date.now() - cached.checkedAt >= this.#options.revalidateMs) return undefined;
    return cached.snapshot;
  }

  /**
   * The stored document of `name` as a change starts from it (StoredDocumentError
   * when it is damaged): this process's unplaced one, the cached bytes when
   * the file is still the one they were read from or written to (a stat),
   * else the file's; one this process committed is handed on as it was
   * committed, not parsed again.
   */
  async current(name: string): Promise<CurrentDocument | undefined> {
    const path = this.#options.documentPath(name);
    let snapshot = this.placement?.document(name);
    if (snapshot === undefined) {
      const cached = this.#cache.get(name);
      const info = cached === undefined ? undefined : statOrUndefined(path);
      snapshot = info !== undefined && sameFile(cached!.info, info) ? cached!.snapshot : undefined;
    }
    const known = snapshot === undefined ? undefined : this.#parsed.get(snapshot);
    if (known !== undefined) return { bytes: snapshot!.bytes, document: known, snapshot: snapshot! };
    const bytes = snapshot?.bytes ?? (await this.#read(name, path));
    if (bytes === undefined) return undefined;
    let value: unknown;
    try {
      value = parseDocument(bytes);
    } catch (error) {
      throw this.#damaged(name, path, `it is not JSON (${(error as Error).message})`, error);
    }
    const problem = describeDocument(value, name);
    if (problem !== undefined) throw this.#damaged(name, path, problem);
    return { bytes, document: value as PluginDocument, ...(snapshot === undefined ? {} : { snapshot }) };
  }

  /** Notes a commit of `name` by this process (served from the placement until its file is in place), and the document its snapshot holds. */
  committed(name: string, snapshot: DocumentSnapshot, document: PluginDocument): void {
    this.#commits++;
    this.#cache.delete(name);
    this.#parsed.set(snapshot, document);
  }

  /**
   * Notes that `snapshot` of `name` was just put in place: caches it with
   * the stats of its file, so that neither the next change nor a read loads
   * it again; returns those stats (undefined when the file cannot be stat'ed).
   */
  placed(name: string, snapshot: DocumentSnapshot): Stats | undefined {
    const info = statOrUndefined(this.#options.documentPath(name));
    if (info === undefined) this.#cache.delete(name);
    else this.#cache.set(name, { info, snapshot, checkedAt: Date.now(), generation: this.#changes.generation });
    return info;
  }

  /** Every document file, with its plugin's name (files only: this process's unplaced changes are not among them). */
  async *each(): AsyncGenerator<{ name: string; bytes: Uint8Array }> {
    for (const directory of await readdir(this.#options.plugins)) {
      const name = directory.replace('%2F', '/');
      const bytes = await this.#read(name, join(this.#options.plugins, directory, 'document.json'));
      if (bytes !== undefined) yield { name, bytes };
    }
  }

  /** Empties the cache. */
  clear(): void {
    this.#cache.clear();
  }

  /** Stops watching the data directory. */
  close(): void {
    this.#changes.close();
  }

  async #load(name: string, path: string, info: Stats): Promise<DocumentSnapshot | undefined> {
    const commitsBefore = this.#commits;
    const generation = this.#changes.generation;
    const bytes = await this.#read(name, path);
    if (bytes === undefined) return undefined;
    const snapshot = await snapshotOfBytes(bytes);
    // `info` was taken before the read: should the file change in between, the next stat differs and reloads it.
    if (this.#commits === commitsBefore) this.#cache.set(name, { info, snapshot, checkedAt: Date.now(), generation });
    return snapshot;
  }

  /** The bytes of `name`'s document file (undefined when there is none); StoredDocumentError when it cannot be read. */
  async #read(name: string, path: string): Promise<Uint8Array | undefined> {
    try {
      return await readDataFile(path, this.#options.maxDocumentBytes);
    } catch (error) {
      throw this.#damaged(name, path, readProblem(path, error), error);
    }
  }

  #damaged(name: string, path: string, problem: string, cause?: unknown): StoredDocumentError {
    const file = relative(this.#options.root, path).split(sep).join('/');
    return new StoredDocumentError(
      `the stored document of ${name} (${file}) cannot be used: ${problem}; it must be repaired or removed on the server`,
      name,
      file,
      cause,
    );
  }
}

/** The stats of a file, or undefined when it is missing or cannot be stat'ed (the caller then reads it, and meets the problem there). */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** A counter that moves whenever an entry of the data directory changes (index.json is renamed at every commit). */
function watchChanges(root: string): { readonly generation: number; close(): void } {
  const state = { generation: 0 };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(root, { persistent: false }, () => void state.generation++);
    watcher.on('error', () => {
      state.generation++;
      watcher?.close();
    });
  } catch {
    watcher = undefined;
  }
  return {
    get generation() {
      return state.generation;
    },
    close() {
      watcher?.close();
    },
  };
}
