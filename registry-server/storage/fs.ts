/**
 * The filesystem storage driver. Layout under the data directory:
 *
 *   blobs/sha256/<hex>                 bundle bytes, content-addressed
 *   plugins/<name>/document.json       one document per plugin (`@acme/hello` → `@acme%2Fhello`)
 *   index.json                         summaries of every plugin, for the list
 *   locks/                             lock directories, one owner file each (see fs/lock.ts)
 *   tmp/                               temp files of writes in progress, cleaned at start
 *
 * Every write is temp file + fsync + rename + fsync of the directory. A
 * publish stores the blob first (harmless if orphaned by a crash) and then
 * renames the new document into place: that rename is the commit point, so a
 * version is visible entirely or not at all. Document changes hold a
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
 * Damaged data never stops the driver from opening: the index is rebuilt
 * leaving out (and logging) what it cannot read (fs-index.ts).
 */
import { constants, mkdirSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { open, readFile, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureDirectory, sameFile, tempFileName, writeFileAtomic } from '../fs/atomic.js';
import { FileLocks, type FileLockOptions } from '../fs/lock.js';
import { cleanTempFiles } from '../fs/temp-files.js';
import type { RegistryLogEntry } from '../options.js';
import { FsBlobs } from './fs-blobs.js';
import { FsIndex } from './fs-index.js';
import { SizedLru } from './lru.js';
import { asPrepared, assertPluginName, parseDocument, snapshotOfBytes } from './snapshot.js';
import type { DocumentChange, DocumentSnapshot, RegistryStorage } from './types.js';

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
  /** Lock timing (mostly for tests). */
  locks?: FileLockOptions;
  /**
   * Runs when a plugin document's temp file is written and synced, just
   * before the rename that commits it: a fault-injection point for crash
   * tests (a process killed here must leave nothing visible).
   */
  beforeDocumentCommit?: (temp: string, target: string) => Promise<void>;
  /** Receives a line for every damaged file found (default: a process warning). */
  log?: (entry: RegistryLogEntry) => void;
  /** A larger index.json is rebuilt from the documents instead of read (default 256 MiB). */
  maxIndexBytes?: number;
  /** A larger document file is left out of the index and refused by eachDocument (default 64 MiB). */
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
 * files left by dead processes are removed and the index is rebuilt in the
 * background; every write waits for that to finish.
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
  const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_STORED_DOCUMENT_BYTES;
  const index = new FsIndex(
    {
      file: paths.index,
      plugins: paths.plugins,
      temp: paths.temp,
      maxIndexBytes: options.maxIndexBytes ?? DEFAULT_MAX_INDEX_BYTES,
      maxDocumentBytes,
      log: options.log ?? warn,
    },
    locks,
  );
  const documents = new SizedLru<CachedDocument>(options.documentCacheBytes ?? 16 * 1024 * 1024, (entry) => entry.snapshot.bytes.byteLength);
  const blobs = new FsBlobs(paths.blobs, paths.temp, locks, options.blobCacheBytes ?? 64 * 1024 * 1024);
  const revalidateMs = options.revalidateMs ?? 1000;
  const changes = watchChanges(root);
  /** Counts this driver's commits, so that a read that began before one does not cache what it read. */
  let commits = 0;
  const ready = cleanTempFiles(paths.temp).then(() => index.rebuild());
  ready.catch(() => undefined);

  const documentPath = (name: string) => join(paths.plugins, pluginDirectoryName(name), 'document.json');

  async function loadDocument(name: string, path: string): Promise<DocumentSnapshot | undefined> {
    const commitsBefore = commits;
    const generation = changes.generation;
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const info = await handle.stat();
      const snapshot = await snapshotOfBytes(new Uint8Array(await handle.readFile()));
      if (commits === commitsBefore) documents.set(name, { info, snapshot, checkedAt: Date.now(), generation });
      return snapshot;
    } finally {
      await handle.close();
    }
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
      return loadDocument(name, path);
    },

    async updateDocument(name: string, change: DocumentChange) {
      const path = documentPath(name);
      await ready;
      return locks.withLock(`plugin-${pluginDirectoryName(name)}`, async () => {
        const currentBytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        });
        const current = currentBytes === undefined ? undefined : parseDocument(currentBytes);
        const next = await change(current);
        if (next === undefined) return currentBytes === undefined ? undefined : snapshotOfBytes(new Uint8Array(currentBytes));
        const { document, snapshot } = await asPrepared(next);
        if (document.name !== name) throw new TypeError(`the document of ${name} must carry that name, not ${document.name}`);
        await ensureDirectory(join(paths.plugins, pluginDirectoryName(name)));
        await writeFileAtomic(paths.temp, path, snapshot.bytes, undefined, options.beforeDocumentCommit);
        commits++;
        documents.delete(name);
        await index.update(name, path);
        return snapshot;
      });
    },

    getBlob(algorithm, hex) {
      return blobs.get(algorithm, hex);
    },

    async putBlob(algorithm, hex, bytes) {
      await ready;
      await blobs.put(algorithm, hex, bytes);
    },

    listBlobs() {
      return blobs.list();
    },

    async deleteBlob(algorithm, hex, storedBefore) {
      await ready;
      return blobs.delete(algorithm, hex, storedBefore);
    },

    async *eachDocument() {
      for (const directory of await readdir(paths.plugins)) {
        const bytes = await readDocumentFile(join(paths.plugins, directory, 'document.json'), maxDocumentBytes);
        if (bytes !== undefined) yield { name: directory.replace('%2F', '/'), bytes };
      }
    },

    async listPlugins() {
      await ready;
      return index.list();
    },

    async check() {
      await ready;
      const probe = join(paths.temp, tempFileName());
      await writeFileAtomic(paths.temp, probe, new TextEncoder().encode('ok'));
      await rm(probe, { force: true });
      await readdir(paths.plugins);
    },

    async close() {
      changes.close();
      await ready.catch(() => undefined);
      documents.clear();
      blobs.clear();
    },
  };
}

/**
 * The bytes of a document file, or undefined when there is none. Throws when
 * it is there but is not a regular file or is larger than `maxBytes`.
 */
async function readDocumentFile(path: string, maxBytes: number): Promise<Uint8Array | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path} is not a regular file`);
    if (info.size > maxBytes) throw new Error(`${path} takes ${info.size} bytes, more than the ${maxBytes} read`);
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
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
