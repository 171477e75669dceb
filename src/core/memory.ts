/**
 * In-memory implementations of the cache ports. They behave like the
 * persistent ones (verification on put, LRU pruning, copies in and out so a
 * caller cannot alter stored bytes) and serve tests and short-lived hosts.
 */
import { verifyIntegrity } from './integrity.js';
import type { BlobCache, CachedBlobInfo, CachedDocument, DocumentCache, PruneResult } from './ports.js';

/** Removes least recently used entries until the total size is at most maxBytes. */
export function selectForPrune(entries: CachedBlobInfo[], maxBytes: number): CachedBlobInfo[] {
  let total = entries.reduce((sum, entry) => sum + entry.size, 0);
  const victims: CachedBlobInfo[] = [];
  for (const entry of [...entries].sort((a, b) => a.lastUsed - b.lastUsed)) {
    if (total <= maxBytes) break;
    victims.push(entry);
    total -= entry.size;
  }
  return victims;
}

/** A BlobCache kept in memory. `now` is injectable so tests can order accesses. */
export function createMemoryBlobCache(options: { now?: () => number } = {}): BlobCache {
  const now = options.now ?? (() => Date.now());
  const blobs = new Map<string, { bytes: Uint8Array; lastUsed: number }>();
  return {
    async get(integrity) {
      const entry = blobs.get(integrity);
      if (!entry) return undefined;
      entry.lastUsed = now();
      return entry.bytes.slice();
    },
    async put(integrity, bytes) {
      await verifyIntegrity(bytes, integrity);
      blobs.set(integrity, { bytes: bytes.slice(), lastUsed: now() });
    },
    async has(integrity) {
      return blobs.has(integrity);
    },
    async delete(integrity) {
      blobs.delete(integrity);
    },
    async list() {
      return [...blobs].map(([integrity, entry]) => ({
        integrity,
        size: entry.bytes.byteLength,
        lastUsed: entry.lastUsed,
      }));
    },
    async prune({ maxBytes }): Promise<PruneResult> {
      const victims = selectForPrune(await this.list(), maxBytes);
      for (const victim of victims) blobs.delete(victim.integrity);
      return { removed: victims.map((v) => v.integrity), freedBytes: victims.reduce((s, v) => s + v.size, 0) };
    },
  };
}

/** A DocumentCache kept in memory; entries are deep-copied in and out. */
export function createMemoryDocumentCache(): DocumentCache {
  const documents = new Map<string, CachedDocument>();
  const key = (registry: string, name: string) => `${registry}\n${name}`;
  return {
    async get(registry, name) {
      const entry = documents.get(key(registry, name));
      return entry ? structuredClone(entry) : undefined;
    },
    async put(entry) {
      documents.set(key(entry.registry, entry.name), structuredClone(entry));
    },
    async delete(registry, name) {
      documents.delete(key(registry, name));
    },
  };
}
