/**
 * A cached plugin document as a DocumentCache stores it (a JSON file in
 * Node, an IndexedDB record in browsers), and reading it back. Apart from
 * document.ts, the format, so that the format depends on nothing but zod:
 * the cache entry's shape is a port (ports.ts) and its envelope is the trust
 * format (trust/envelope.ts), and both of those refer to the document.
 */
import type { CachedDocument } from '../ports.js';
import { isEnvelope } from '../trust/index.js';
import { parsePluginDocument } from './document.js';

/**
 * Reads a stored cache entry back (a DocumentCache's record, already parsed
 * from JSON or IndexedDB): the entry when it is a valid cached document of
 * `registry` and `name`, else undefined, so that a corrupted or foreign
 * record counts as absent instead of being trusted.
 */
export function decodeCachedDocument(value: unknown, registry: string, name: string): CachedDocument | undefined {
  const raw = value as Partial<CachedDocument> | null | undefined;
  if (!raw || raw.registry !== registry || raw.name !== name || typeof raw.fetchedAt !== 'number') return undefined;
  try {
    const document = parsePluginDocument(raw.document, name);
    return {
      registry,
      name,
      document,
      ...(typeof raw.etag === 'string' ? { etag: raw.etag } : {}),
      ...(isEnvelope(raw.envelope) ? { envelope: raw.envelope } : {}),
      fetchedAt: raw.fetchedAt,
      ...(typeof raw.freshUntil === 'number' && Number.isFinite(raw.freshUntil) ? { freshUntil: raw.freshUntil } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The record a DocumentCache stores for `entry`: exactly its fields, none of what a caller may have added. */
export function cachedDocumentRecord(entry: CachedDocument): CachedDocument {
  return {
    registry: entry.registry,
    name: entry.name,
    document: entry.document,
    ...(entry.etag !== undefined ? { etag: entry.etag } : {}),
    ...(entry.envelope !== undefined ? { envelope: entry.envelope } : {}),
    fetchedAt: entry.fetchedAt,
    ...(entry.freshUntil !== undefined ? { freshUntil: entry.freshUntil } : {}),
  };
}
