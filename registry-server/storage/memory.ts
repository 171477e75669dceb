/**
 * The in-memory storage driver: documents, blobs and download counts in Maps, changes
 * serialized per plugin name within the process. For tests and for a
 * throwaway registry; nothing survives the process.
 */
import type { PluginSummary } from '../../src/core/registry/index.js';
import { summarize } from '../documents.js';
import { addToRecord, assertIncrements, emptyDownloads } from './downloads.js';
import { KeyedMutex } from './mutex.js';
import { asPrepared, assertBlobAddress, assertPluginName, parseDocument } from './snapshot.js';
import type { DocumentChange, DocumentSnapshot, DownloadCounts, RegistryStorage } from './types.js';

/** Name of this driver. */
export const MEMORY_DRIVER = 'memory';

/**
 * Creates an empty in-memory storage.
 * @example
 * const registry = createRegistry({ storage: createMemoryStorage(), tokens: createMemoryTokenStore() });
 */
export function createMemoryStorage(): RegistryStorage {
  const documents = new Map<string, { snapshot: DocumentSnapshot; summary: PluginSummary }>();
  const blobs = new Map<string, { bytes: Uint8Array; storedAt: number }>();
  const downloads = new Map<string, DownloadCounts>();
  const mutex = new KeyedMutex();
  /** The sorted list, kept until a document changes: the same array while nothing changed (the signer's list cache relies on it). */
  let sorted: PluginSummary[] | undefined;

  function putBlob(algorithm: string, hex: string, bytes: Uint8Array): void {
    assertBlobAddress(algorithm, hex);
    const stored = blobs.get(hex);
    if (stored !== undefined) stored.storedAt = Date.now();
    else blobs.set(hex, { bytes: bytes.slice(), storedAt: Date.now() });
  }

  return {
    driver: MEMORY_DRIVER,

    async getDocument(name) {
      assertPluginName(name);
      return documents.get(name)?.snapshot;
    },

    peekDocument(name) {
      return documents.get(name)?.snapshot;
    },

    async updateDocument(name: string, change: DocumentChange) {
      assertPluginName(name);
      return mutex.run(name, async () => {
        const stored = documents.get(name);
        const current = stored === undefined ? undefined : parseDocument(stored.snapshot.bytes);
        const next = await change(current);
        if (next === undefined) return stored?.snapshot;
        const { document, snapshot, blobs: withBlobs = [] } = await asPrepared(next);
        if (document.name !== name) throw new TypeError(`the document of ${name} must carry that name, not ${document.name}`);
        for (const blob of withBlobs) putBlob(blob.algorithm, blob.hex, blob.bytes);
        documents.set(name, { snapshot, summary: summarize(document) });
        sorted = undefined;
        return snapshot;
      });
    },

    async getBlob(algorithm, hex) {
      assertBlobAddress(algorithm, hex);
      return blobs.get(hex)?.bytes;
    },

    peekBlob(algorithm, hex) {
      return algorithm === 'sha256' ? blobs.get(hex)?.bytes : undefined;
    },

    async putBlob(algorithm, hex, bytes) {
      putBlob(algorithm, hex, bytes);
    },

    async listBlobs() {
      return [...blobs].map(([hex, blob]) => ({ algorithm: 'sha256' as const, hex, size: blob.bytes.byteLength, storedAt: blob.storedAt }));
    },

    async deleteBlob(algorithm, hex, storedBefore) {
      assertBlobAddress(algorithm, hex);
      const stored = blobs.get(hex);
      if (stored === undefined || stored.storedAt >= storedBefore) return false;
      return blobs.delete(hex);
    },

    async *eachDocument() {
      for (const [name, entry] of [...documents]) yield { name, bytes: entry.snapshot.bytes };
    },

    async listPlugins() {
      sorted ??= [...documents.values()].map((entry) => entry.summary).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return sorted;
    },

    async addDownloads(increments, at) {
      assertIncrements(increments);
      for (const { name, version, count } of increments) {
        let record = downloads.get(name);
        if (record === undefined) downloads.set(name, (record = emptyDownloads()));
        addToRecord(record, version, count, at);
      }
    },

    async getDownloads(name) {
      assertPluginName(name);
      const record = downloads.get(name);
      return record === undefined ? emptyDownloads() : { versions: { ...record.versions }, days: { ...record.days } };
    },

    async flushDownloads() {},

    async check() {},

    async close() {},
  };
}
