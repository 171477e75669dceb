/**
 * The filesystem storage driver. Layout under the data directory:
 *
 *   blobs/sha256/<hex>                 bundle bytes, content-addressed
 *   plugins/<name>/document.json       one document per plugin (`@acme/hello` → `@acme%2Fhello`)
 *   plugins/<name>/downloads.json      its download counts, written in batches (fs-downloads.ts)
 *   index.json                         summaries of every plugin, for the list
 *   journal.log                        the write-ahead journal of changes (fs-journal.ts)
 *   locks/                             the write lease and lock directories (see fs/lease.ts, fs/lock.ts)
 *   tmp/                               temp files of writes in progress, cleaned at start
 *
 * One process at a time writes (the write lease). A change of a document
 * holds the plugin's lock (in memory), appends one record with its blobs and
 * its new document to the journal and is acknowledged once that record is
 * flushed (one fdatasync shared by every change in flight): that is the
 * commit point. The files are put in place right after (temp file, rename:
 * blobs first, the document last, so a reader of the files sees a version
 * entirely or not at all), this process serving the change from memory
 * until then (fs-placement.ts), and index.json — derived from the
 * documents, never flushed, rebuilt from them at start — is written after
 * that, once per batch of commits (fs-index.ts). A checkpoint flushes the
 * files and empties the journal; a process that takes the lease replays the
 * journal it finds. Documents and blobs are cached in memory
 * (fs-documents.ts, fs-blobs.ts). Blobs no document refers to are removed by
 * garbage collection (storage/gc.ts), safely while serving (fs-blobs.ts).
 * Damaged data never stops the driver from opening: the index is brought
 * up to date leaving out (and logging) what it cannot read (fs-index.ts).
 */
import { mkdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../src/node/atomic-write.js';
import { inTemp, tempFileName } from '../fs/atomic.js';
import { DirectorySyncs } from '../fs/directory-sync.js';
import { openLease } from '../fs/lease.js';
import { FileLocks } from '../fs/lock.js';
import { cleanTempFiles } from '../fs/temp-files.js';
import type { RegistryLogEntry } from '../options.js';
import { FsBlobs } from './fs-blobs.js';
import { summarize } from '../documents.js';
import { DataDirectoryBusyError } from './errors.js';
import { assertIncrements } from './downloads.js';
import { FsDocuments } from './fs-documents.js';
import { FsDownloads } from './fs-downloads.js';
import { FsIndex } from './fs-index.js';
import { type FsJournal, MAX_JOURNALED_BLOB_BYTES, openJournal } from './fs-journal.js';
import { DEFAULT_MAX_INDEX_BYTES, DEFAULT_MAX_STORED_DOCUMENT_BYTES, pluginDirectoryName, type FsStorageOptions } from './fs-options.js';
import { asPrepared, assertPluginName, snapshotOfBytes } from './snapshot.js';
import type { BlobToStore, DocumentChange, RegistryStorage } from './types.js';

export { DEFAULT_MAX_INDEX_BYTES, DEFAULT_MAX_STORED_DOCUMENT_BYTES, pluginDirectoryName, type FsStorageOptions } from './fs-options.js';

/** Name of this driver. */
export const FS_DRIVER = 'fs';

function warn(entry: RegistryLogEntry): void {
  process.emitWarning(entry.message, 'PlughubStorageWarning');
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
  const documentPath = (name: string) => join(paths.plugins, pluginDirectoryName(name), 'document.json');
  const documents = new FsDocuments({
    root,
    plugins: paths.plugins,
    documentPath,
    maxDocumentBytes,
    revalidateMs: options.revalidateMs ?? 1000,
    cacheBytes: options.documentCacheBytes ?? 16 * 1024 * 1024,
  });
  const syncs = new DirectorySyncs();
  const blobs = new FsBlobs(paths.blobs, paths.temp, lease.locks, options.blobCacheBytes ?? 64 * 1024 * 1024, syncs);
  const downloads = new FsDownloads(
    { root, directoryOf: (name) => join(paths.plugins, pluginDirectoryName(name)), lockNameOf: pluginDirectoryName, temp: paths.temp, log },
    options.downloadsFlushMs ?? 5000,
    locks,
  );
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
    documents.placement = journal.placement;
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
      // A blob an earlier change carries is put in place before this change's document (placement keeps their order).
      if (carried.some((other) => other.hex === blob.hex) || journal?.placement.blob(blob.hex) !== undefined) continue;
      if (await blobs.renew(blob.algorithm, blob.hex)) continue;
      if (bytes + blob.bytes.byteLength > MAX_JOURNALED_BLOB_BYTES) {
        await blobs.put(blob.algorithm, blob.hex, blob.bytes);
        continue;
      }
      bytes += blob.bytes.byteLength;
      carried.push({ hex: blob.hex, bytes: blob.bytes });
    }
    return carried;
  }

  return {
    driver: FS_DRIVER,

    getDocument(name, options) {
      return documents.get(name, options?.fresh === true);
    },

    peekDocument(name) {
      return documents.peek(name);
    },

    async updateDocument(name: string, change: DocumentChange) {
      const path = documentPath(name);
      const journal = await writable();
      return lease.locks.withLock(`plugin-${pluginDirectoryName(name)}`, async () => {
        const current = await documents.current(name);
        const next = await change(current?.document);
        if (next === undefined) return current === undefined ? undefined : (current.snapshot ?? snapshotOfBytes(current.bytes));
        const { document, snapshot, blobs: withBlobs = [] } = await asPrepared(next);
        if (document.name !== name) throw new TypeError(`the document of ${name} must carry that name, not ${document.name}`);
        if (current === undefined) mkdirSync(dirname(path), { recursive: true });
        const carried = await blobsToJournal(withBlobs);
        await options.beforeDocumentCommit?.(path);
        const summary = summarize(document);
        // Durable once its journal record is (one flush shared by every change in flight); its files are put in place right after.
        await journal.commit({
          name,
          snapshot,
          blobs: carried,
          placed: (placed) => {
            const info = documents.placed(name, placed);
            index.update(name, summary, info).catch((error: unknown) => {
              log({ level: 'error', message: `index: updating the entry of ${name} failed (rebuilt at the next start): ${(error as Error).message}`, error });
            });
          },
        });
        documents.committed(name, snapshot, document);
        return snapshot;
      });
    },

    async getBlob(algorithm, hex) {
      return (algorithm === 'sha256' ? journal?.placement.blob(hex) : undefined) ?? blobs.get(algorithm, hex);
    },

    peekBlob(algorithm, hex) {
      return algorithm === 'sha256' ? (journal?.placement.blob(hex) ?? blobs.peek(hex)) : undefined;
    },

    async putBlob(algorithm, hex, bytes) {
      await writable();
      await blobs.put(algorithm, hex, bytes);
    },

    async listBlobs() {
      await journal?.placement.settled();
      return blobs.list();
    },

    async deleteBlob(algorithm, hex, storedBefore) {
      await writable();
      return blobs.delete(algorithm, hex, storedBefore);
    },

    async *eachDocument() {
      await journal?.placement.settled();
      yield* documents.each();
    },

    async listPlugins() {
      await ready;
      await journal?.placement.settled();
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
        documents.close();
        await ready.catch(() => undefined);
        try {
          await downloads.close();
        } finally {
          documents.clear();
          blobs.clear();
          await leased?.catch(() => undefined);
          try {
            // The last storage of the directory in this process checkpoints the journal (putting every change in place), then lets go of the lease.
            await journalShare?.release();
            await index.settled();
          } finally {
            await lease.close();
          }
        }
      })();
      return closing;
    },
  };
}
