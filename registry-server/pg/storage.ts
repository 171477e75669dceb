/**
 * The RegistryStorage of a PostgreSQL registry: documents (documents.ts)
 * served from the process cache until a notification drops them
 * (cache.ts), blobs through a BlobStore (blobs.ts), download counts
 * (downloads.ts). Names and addresses are checked before any query.
 */
import type { RegistryLogEntry } from '../options.js';
import { DEFAULT_MAX_STORED_DOCUMENT_BYTES } from '../storage/fs-options.js';
import { assertBlobAddress, assertPluginName, snapshotOfBytes } from '../storage/snapshot.js';
import type { BlobToStore, DocumentChange, RegistryStorage } from '../storage/types.js';
import type { BlobStore } from './blobs.js';
import type { DocumentCache } from './cache.js';
import type { Connections } from './connection.js';
import { changeDocument, eachDocumentRow, readDocumentBytes, readSummaries } from './documents.js';
import { addDownloads, getDownloads } from './downloads.js';

/** Name of this driver. */
export const PG_DRIVER = 'postgres';

/** What the storage is made of. */
export interface PgStorageParts {
  connections: Connections;
  blobs: BlobStore;
  cache: DocumentCache;
  log: (entry: RegistryLogEntry) => void;
  /** The largest stored document read (default 64 MiB, as the filesystem driver). */
  maxDocumentBytes?: number;
  /** Releases the connections and the listener. */
  close(): Promise<void>;
}

/** The RegistryStorage over the given parts. */
export function createPgRegistryStorage(parts: PgStorageParts): RegistryStorage {
  const { connections, blobs, cache, log } = parts;
  const maxDocumentBytes = parts.maxDocumentBytes ?? DEFAULT_MAX_STORED_DOCUMENT_BYTES;
  return {
    driver: PG_DRIVER,

    async getDocument(name, options) {
      assertPluginName(name);
      if (options?.fresh !== true) {
        const cached = cache.getDocument(name);
        if (cached !== undefined) return cached.snapshot;
      }
      const generation = cache.generation;
      const readAt = Date.now();
      const bytes = await readDocumentBytes(connections.current, name, maxDocumentBytes);
      const snapshot = bytes === undefined ? undefined : await snapshotOfBytes(bytes);
      cache.setDocument(name, snapshot, generation, readAt);
      return snapshot;
    },

    async updateDocument(name: string, change: DocumentChange) {
      assertPluginName(name);
      const storeBlobs = (list: readonly BlobToStore[]) => Promise.all(list.map((blob) => blobs.put('sha256', blob.hex, blob.bytes))).then(() => undefined);
      const { snapshot, written } = await changeDocument(connections, name, change, maxDocumentBytes, storeBlobs);
      // The notification drops it too; dropping it here makes this server's own change visible at once.
      if (written) cache.drop(name);
      return snapshot;
    },

    async getBlob(algorithm, hex) {
      assertBlobAddress(algorithm, hex);
      return blobs.get('sha256', hex);
    },

    async putBlob(algorithm, hex, bytes) {
      assertBlobAddress(algorithm, hex);
      await blobs.put('sha256', hex, bytes);
    },

    listBlobs() {
      return blobs.list();
    },

    async deleteBlob(algorithm, hex, storedBefore) {
      assertBlobAddress(algorithm, hex);
      return blobs.delete('sha256', hex, storedBefore);
    },

    eachDocument() {
      return eachDocumentRow(connections.pool, maxDocumentBytes);
    },

    async listPlugins() {
      const cached = cache.getList();
      if (cached !== undefined) return cached;
      const generation = cache.generation;
      const readAt = Date.now();
      const summaries = await readSummaries(connections.current, (name, problem) =>
        log({ level: 'error', message: `the plugin list leaves out ${name}: the row of table documents cannot be used (${problem})` }),
      );
      return cache.setList(summaries, generation, readAt);
    },

    addDownloads(increments, at) {
      return addDownloads(connections, increments, at);
    },

    getDownloads(name) {
      return getDownloads(connections, name);
    },

    async flushDownloads() {},

    async check() {
      await connections.pool`SELECT 1 FROM schema_migrations LIMIT 1`;
    },

    close() {
      return parts.close();
    },
  };
}
