/**
 * The filesystem storage driver. Layout under the data directory:
 *
 *   blobs/sha256/<hex>                 bundle bytes, content-addressed
 *   plugins/<name>/document.json       one document per plugin (`@acme/hello` → `@acme%2Fhello`)
 *   plugins/<name>/downloads.json      its download counts, written in batches (fs-downloads.ts)
 *   index.json                         summaries of every plugin, for the list
 *   locks/                             lock directories, one owner file each (see fs/lock.ts)
 *   tmp/                               temp files of writes in progress, cleaned at start
 *
 * Every write of a document or blob is temp file + fsync + rename + fsync of
 * the directory (fs/durable-write.ts; one directory flush serves every
 * writer waiting for it, fs/directory-sync.ts); index.json, derived from the
 * documents, is not flushed. A change flushes the new document's temp file
 * while it stores the blobs the document carries (harmless if orphaned by a
 * crash), and then renames the document into place: that rename is the
 * commit point, so a version is visible entirely or not at all, and it is
 * durable once the change resolves. Document changes hold a
 * per-plugin lock file, so several processes can share the directory.
 * Documents and blobs are cached in memory. A blob never changes
 * (content-addressed). A cached document is served without touching the
 * disk until something may have changed it: this driver's own writes drop it
 * at once; another process's commit is noticed through a watch on the data
 * directory (every commit ends by renaming index.json into it), and, should
 * notifications be unavailable (network filesystems), by a stat of the file
 * at most `revalidateMs` after the last one. `getDocument(name, { fresh })`
 * always checks the file. Blobs no document refers to are removed by
 * garbage collection (storage/gc.ts), safely while serving (fs-blobs.ts).
 * Damaged data never stops the driver from opening: the index is brought
 * up to date leaving out (and logging) what it cannot read (fs-index.ts). Files are read
 * through the bounded reader (fs-read.ts): a document that is not a regular
 * file, is too large, or (for a change) is not a plugin document fails that
 * one plugin with a StoredDocumentError naming it and its file.
 */
import { mkdirSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { PluginDocument } from '../../src/core/registry/index.js';
import { writeFileAtomic } from '../../src/node/atomic-write.js';
import { inTemp, sameFile, tempFileName } from '../fs/atomic.js';
import { DirectorySyncs } from '../fs/directory-sync.js';
import { writeNewFile } from '../fs/durable-write.js';
import { openLease, type LeaseOptions } from '../fs/lease.js';
import { FileLocks, type FileLockOptions } from '../fs/lock.js';
import { cleanTempFiles } from '../fs/temp-files.js';
import type { RegistryLogEntry } from '../options.js';
import { FsBlobs } from './fs-blobs.js';
import { summarize } from '../documents.js';
import { DataDirectoryBusyError, StoredDocumentError } from './errors.js';
import { assertIncrements } from './downloads.js';
import { FsDownloads } from './fs-downloads.js';
import { FsIndex, describeDocument } from './fs-index.js';
import { type FsJournal, MAX_JOURNALED_BLOB_BYTES, openJournal, type FsJournalOptions } from './fs-journal.js';
import { readDataFile, readProblem } from './fs-read.js';
import { SizedLru } from './lru.js';
import { asPrepared, assertPluginName, parseDocument, snapshotOfBytes } from './snapshot.js';
import type { BlobToStore, DocumentChange, DocumentSnapshot, RegistryStorage } from './types.js';

/** Name of this driver. */
export const FS_DRIVER = 'fs';

/** Options of the filesystem driver. */
export interface FsStorageOptions {
  /** Bytes of blobs kept in memory (default 64 MiB). */
  blobCacheBytes?: number;
  /** Bytes of documents kept in memory (default 16 MiB). */
  documentCacheBytes?: number;
  /** Longest time a cached document is served without checking its file (default 1000 ms; 0: check on every read). */
  revalidateMs?: number;
  /**
   * Milliseconds between writes of the download counts (default 5000): a
   * crash loses at most the counts of the last interval; `close()` and
   * `flushDownloads()` write them at once.
   */
  downloadsFlushMs?: number;
  /** Timing of the download counts' lock files (mostly for tests). */
  locks?: FileLockOptions;
  /** When the journal is checkpointed (storage/fs-journal.ts): `checkpointMs` after the first change (30 s), or once it holds `checkpointBytes` (64 MiB). */
  journal?: Pick<FsJournalOptions, 'checkpointMs' | 'checkpointBytes'>;
  /** Timing of the data directory's write lease (fs/lease.ts): how long a write waits for another process's, when one is abandoned. */
  lease?: LeaseOptions;
  /**
   * Runs when a plugin document's temp file is written, just before the
   * change's journal record that commits it: a fault-injection point for
   * crash tests (a process killed here must leave nothing visible).
   */
  beforeDocumentCommit?: (temp: string, target: string) => Promise<void>;
  /** Receives a line for every damaged file found (default: a process warning). */
  log?: (entry: RegistryLogEntry) => void;
  /** A larger index.json is rebuilt from the documents instead of read (default 256 MiB). */
  maxIndexBytes?: number;
  /**
   * A larger document file is left out of the index, and reading or changing
   * it fails with StoredDocumentError (the registry answers 503); default 64 MiB.
   */
  maxDocumentBytes?: number;
}

/** Default of FsStorageOptions.maxIndexBytes: 256 MiB, well within what one string can hold. */
export const DEFAULT_MAX_INDEX_BYTES = 256 * 1024 * 1024;
/** Default of FsStorageOptions.maxDocumentBytes: 64 MiB (a publish keeps documents under 8 MiB). */
export const DEFAULT_MAX_STORED_DOCUMENT_BYTES = 64 * 1024 * 1024;

function warn(entry: RegistryLogEntry): void {
  process.emitWarning(entry.message, 'PlughubStorageWarning');
}

interface CachedDocument {
  info: Stats;
  snapshot: DocumentSnapshot;
  /** When the file was last checked (Date.now()). */
  checkedAt: number;
  /** The change generation it was checked in (see `changes`). */
  generation: number;
}

/** The directory name of a plugin: its name with the scope's `/` written `%2F`. */
export function pluginDirectoryName(name: string): string {
  assertPluginName(name);
  return name.replace('/', '%2F');
}

/**
 * Opens (creating it if needed) a data directory as registry storage. Temp
 * files left by dead processes are removed and the index is checked against
 * the documents in the background (fs-index.ts); every write waits for that
 * to finish.
 * @example
 * const storage = createFsStorage('./plughub-data');
 */
export function createFsStorage(directory: string, options: FsStorageOptions = {}): RegistryStorage {
  const root = resolve(directory);
  const paths = {
    blobs: join(root, 'blobs', 'sha256'),
    plugins: join(root, 'plugins'),
    temp: join(root, 'tmp'),
    locks: join(root, 'locks'),
    index: join(root, 'index.json'),
  };
  for (const path of [paths.blobs, paths.plugins, paths.temp, paths.locks]) mkdirSync(path, { recursive: true });
  const locks = new FileLocks(paths.locks, paths.temp, options.locks);
  const lease = openLease(root, paths.locks, paths.temp, options.lease);
  const log = options.log ?? warn;
  const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_STORED_DOCUMENT_BYTES;
  const index = new FsIndex(
    {
      file: paths.index,
      plugins: paths.plugins,
      temp: paths.temp,
      maxIndexBytes: options.maxIndexBytes ?? DEFAULT_MAX_INDEX_BYTES,
      maxDocumentBytes,
      log,
    },
    lease.locks,
  );
  const documents = new SizedLru<CachedDocument>(options.documentCacheBytes ?? 16 * 1024 * 1024, (entry) => entry.snapshot.bytes.byteLength);
  const syncs = new DirectorySyncs();
  const blobs = new FsBlobs(paths.blobs, paths.temp, lease.locks, options.blobCacheBytes ?? 64 * 1024 * 1024, syncs);
  const revalidateMs = options.revalidateMs ?? 1000;
  const downloads = new FsDownloads(
    { root, directoryOf: (name) => join(paths.plugins, pluginDirectoryName(name)), lockNameOf: pluginDirectoryName, temp: paths.temp, log },
    options.downloadsFlushMs ?? 5000,
    locks,
  );
  const changes = watchChanges(root);
  /** Counts this driver's commits, so that a read that began before one does not cache what it read. */
  let commits = 0;
  let journalShare: ReturnType<typeof openJournal> | undefined;
  let journal: FsJournal | undefined;

  /** What a process does once it holds the lease: replays the journal a previous holder left, then brings the index up to date. */
  async function takeOver(): Promise<void> {
    journalShare ??= openJournal({
      root,
      blobs: paths.blobs,
      plugins: paths.plugins,
      temp: paths.temp,
      documentPath,
      maxDocumentBytes,
      log,
      ...options.journal,
    });
    journal = await journalShare.journal;
    await index.refresh();
  }

  // The lease is taken at open when it is free; a process that finds it held reads, and takes it at its first write.
  const ready = cleanTempFiles(paths.temp).then(() =>
    lease.acquire(0).then(takeOver, (error: unknown) => {
      if (!(error instanceof DataDirectoryBusyError)) throw error;
    }),
  );
  ready.catch(() => undefined);
  let leased: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  /** Resolves to the journal once this process may write: the start-up work done, the lease held (taken now if another process held it at open). */
  async function writable(): Promise<FsJournal> {
    await ready;
    if (!lease.held || journal === undefined) {
      leased ??= lease.acquire().then(takeOver, (error: unknown) => {
        leased = undefined;
        throw error;
      });
      await leased;
    }
    return journal!;
  }

  /** The blobs of a change its journal record carries (the others, too large, stored and flushed apart); blobs already stored are renewed, not written. */
  async function blobsToJournal(withBlobs: readonly BlobToStore[]): Promise<{ hex: string; bytes: Uint8Array }[]> {
    const carried: { hex: string; bytes: Uint8Array }[] = [];
    let bytes = 0;
    for (const blob of withBlobs) {
      if (carried.some((other) => other.hex === blob.hex) || (await blobs.renew(blob.algorithm, blob.hex))) continue;
      if (bytes + blob.bytes.byteLength > MAX_JOURNALED_BLOB_BYTES) {
        await blobs.put(blob.algorithm, blob.hex, blob.bytes);
        continue;
      }
      bytes += blob.bytes.byteLength;
      carried.push({ hex: blob.hex, bytes: blob.bytes });
    }
    return carried;
  }

  const documentPath = (name: string) => join(paths.plugins, pluginDirectoryName(name), 'document.json');

  async function loadDocument(name: string, path: string, info: Stats): Promise<DocumentSnapshot | undefined> {
    const commitsBefore = commits;
    const generation = changes.generation;
    const bytes = await readDocument(name, path);
    if (bytes === undefined) return undefined;
    const snapshot = await snapshotOfBytes(bytes);
    // `info` was taken before the read: should the file change in between, the next stat differs and reloads it.
    if (commits === commitsBefore) documents.set(name, { info, snapshot, checkedAt: Date.now(), generation });
    return snapshot;
  }

  /** The bytes of `name`'s document file (undefined when there is none); StoredDocumentError when it cannot be read. */
  async function readDocument(name: string, path: string): Promise<Uint8Array | undefined> {
    try {
      return await readDataFile(path, maxDocumentBytes);
    } catch (error) {
      throw damaged(name, path, readProblem(path, error), error);
    }
  }

  /**
   * The stored document of `name` as a change starts from it (StoredDocumentError
   * when it is damaged): the cached bytes when the file is still the one they
   * were read from or written to (a stat), else the file's.
   */
  async function readCurrent(name: string, path: string): Promise<{ bytes: Uint8Array; document: PluginDocument; snapshot?: DocumentSnapshot } | undefined> {
    const cached = documents.get(name);
    const info = cached === undefined ? undefined : statOrUndefined(path);
    const snapshot = info !== undefined && sameFile(cached!.info, info) ? cached!.snapshot : undefined;
    const bytes = snapshot?.bytes ?? (await readDocument(name, path));
    if (bytes === undefined) return undefined;
    let value: unknown;
    try {
      value = parseDocument(bytes);
    } catch (error) {
      throw damaged(name, path, `it is not JSON (${(error as Error).message})`, error);
    }
    const problem = describeDocument(value, name);
    if (problem !== undefined) throw damaged(name, path, problem);
    return { bytes, document: value as PluginDocument, ...(snapshot === undefined ? {} : { snapshot }) };
  }

  function damaged(name: string, path: string, problem: string, cause?: unknown): StoredDocumentError {
    const file = relative(root, path).split(sep).join('/');
    return new StoredDocumentError(
      `the stored document of ${name} (${file}) cannot be used: ${problem}; it must be repaired or removed on the server`,
      name,
      file,
      cause,
    );
  }

  return {
    driver: FS_DRIVER,

    async getDocument(name, options) {
      const cached = documents.get(name);
      const now = Date.now();
      if (cached !== undefined && options?.fresh !== true && cached.generation === changes.generation && now - cached.checkedAt < revalidateMs) {
        return cached.snapshot;
      }
      const path = documentPath(name);
      const generation = changes.generation;
      const info = statSync(path, { throwIfNoEntry: false });
      if (info === undefined) {
        documents.delete(name);
        return undefined;
      }
      if (cached !== undefined && sameFile(cached.info, info)) {
        cached.checkedAt = now;
        cached.generation = generation;
        return cached.snapshot;
      }
      return loadDocument(name, path, info);
    },

    peekDocument(name) {
      const cached = documents.get(name);
      if (cached === undefined || cached.generation !== changes.generation || Date.now() - cached.checkedAt >= revalidateMs) return undefined;
      return cached.snapshot;
    },

    async updateDocument(name: string, change: DocumentChange) {
      const path = documentPath(name);
      const journal = await writable();
      return lease.locks.withLock(`plugin-${pluginDirectoryName(name)}`, async () => {
        const current = await readCurrent(name, path);
        const next = await change(current?.document);
        if (next === undefined) return current === undefined ? undefined : (current.snapshot ?? snapshotOfBytes(current.bytes));
        const { document, snapshot, blobs: withBlobs = [] } = await asPrepared(next);
        if (document.name !== name) throw new TypeError(`the document of ${name} must carry that name, not ${document.name}`);
        if (current === undefined) mkdirSync(dirname(path), { recursive: true });
        const carried = await blobsToJournal(withBlobs);
        const temp = join(paths.temp, tempFileName());
        writeNewFile(temp, snapshot.bytes);
        try {
          await options.beforeDocumentCommit?.(temp, path);
        } catch (error) {
          await rm(temp, { force: true });
          throw error;
        }
        // Durable once its journal record is (one flush shared by every change in flight), then put in place: blobs first, the document last.
        await journal.commit({ name, document: { bytes: snapshot.bytes, temp }, blobs: carried });
        commits++;
        // Under the plugin's lock nobody else replaces the file: this stat is of the bytes just written, kept so that neither the next change nor a read loads them again.
        const info = statOrUndefined(path);
        if (info === undefined) documents.delete(name);
        else documents.set(name, { info, snapshot, checkedAt: Date.now(), generation: changes.generation });
        await index.update(name, summarize(document), info);
        return snapshot;
      });
    },

    getBlob(algorithm, hex) {
      return blobs.get(algorithm, hex);
    },

    peekBlob(algorithm, hex) {
      return algorithm === 'sha256' ? blobs.peek(hex) : undefined;
    },

    async putBlob(algorithm, hex, bytes) {
      await writable();
      await blobs.put(algorithm, hex, bytes);
    },

    listBlobs() {
      return blobs.list();
    },

    async deleteBlob(algorithm, hex, storedBefore) {
      await writable();
      return blobs.delete(algorithm, hex, storedBefore);
    },

    async *eachDocument() {
      for (const directory of await readdir(paths.plugins)) {
        const name = directory.replace('%2F', '/');
        const bytes = await readDocument(name, join(paths.plugins, directory, 'document.json'));
        if (bytes !== undefined) yield { name, bytes };
      }
    },

    async listPlugins() {
      await ready;
      return index.list();
    },

    async addDownloads(increments, at) {
      assertIncrements(increments);
      downloads.add(increments, at);
    },

    async getDownloads(name) {
      assertPluginName(name);
      return downloads.get(name);
    },

    async flushDownloads() {
      await ready;
      await downloads.flush();
    },

    async check() {
      await writable();
      const probe = join(paths.temp, tempFileName());
      await writeFileAtomic(probe, new TextEncoder().encode('ok'), inTemp(paths.temp));
      await rm(probe, { force: true });
      await readdir(paths.plugins);
    },

    close() {
      closing ??= (async () => {
        changes.close();
        await ready.catch(() => undefined);
        try {
          await downloads.close();
        } finally {
          documents.clear();
          blobs.clear();
          await leased?.catch(() => undefined);
          try {
            // The last storage of the directory in this process checkpoints the journal, then lets go of the lease.
            await journalShare?.release();
          } finally {
            await lease.close();
          }
        }
      })();
      return closing;
    },
  };
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
