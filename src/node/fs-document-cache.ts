/**
 * A DocumentCache on the filesystem: one JSON file per registry and plugin
 * name, `<dir>/documents/<sha256 of registry + name>.json`, written
 * atomically (temp file + rename). The file name is a hash, so no plugin name
 * or registry URL can reach outside the directory. An entry that cannot be
 * read back as a valid cached document (edited by hand, left by an older
 * version) is treated as absent and removed: the next fetch replaces it.
 * A signed document keeps its envelope, which the host verifies again on use.
 */
import { createHash } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCachedDocument } from '../core/document.js';
import type { CachedDocument, DocumentCache } from '../core/ports.js';
import { writeFileAtomic } from './atomic-write.js';

/** The filesystem DocumentCache, with the path helper the CLI and tests use. */
export interface FsDocumentCache extends DocumentCache {
  readonly dir: string;
  /** The file that holds the document of `name` from `registry`. */
  pathOf(registry: string, name: string): string;
}

/** Reads a stored entry back; undefined when the file is not a cached document of this registry and name. */
function decode(text: string, registry: string, name: string): CachedDocument | undefined {
  try {
    return decodeCachedDocument(JSON.parse(text), registry, name);
  } catch {
    return undefined;
  }
}

/**
 * Creates a DocumentCache storing documents under `<dir>/documents`.
 *
 * @example
 * const documents = createFsDocumentCache(cacheDir);
 * const cached = await documents.get('https://plugins.example', 'hello');
 */
export function createFsDocumentCache(dir: string): FsDocumentCache {
  const root = join(dir, 'documents');
  const pathOf = (registry: string, name: string) =>
    join(root, `${createHash('sha256').update(`${registry}\n${name}`).digest('hex')}.json`);

  return {
    dir,
    pathOf,

    async get(registry, name) {
      const path = pathOf(registry, name);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const entry = decode(text, registry, name);
      if (!entry) await unlink(path).catch(() => undefined);
      return entry;
    },

    async put(entry) {
      const stored: CachedDocument = {
        registry: entry.registry,
        name: entry.name,
        document: entry.document,
        ...(entry.etag !== undefined ? { etag: entry.etag } : {}),
        ...(entry.envelope !== undefined ? { envelope: entry.envelope } : {}),
        fetchedAt: entry.fetchedAt,
      };
      // No fsync: a document lost or emptied by a power cut reads as absent and is fetched again.
      await writeFileAtomic(pathOf(entry.registry, entry.name), JSON.stringify(stored), { sync: false });
    },

    async delete(registry, name) {
      await unlink(pathOf(registry, name)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    },
  };
}
