/**
 * A DocumentCache on the filesystem: one JSON file per registry and plugin
 * name, `<dir>/documents/<sha256 of registry + name>.json`, written
 * atomically (temp file + rename). The file name is a hash, so no plugin name
 * or registry URL can reach outside the directory. An entry that cannot be
 * read back as a valid cached document (edited by hand, left by an older
 * version) is treated as absent and removed: the next fetch replaces it.
 * A signed document keeps its envelope, which the host verifies again on use.
 * Entries are read with readRegularFile: a FIFO, directory or symbolic link
 * planted under an entry's name, a file over the size limit or a read that
 * does not finish in time is reported through `onRefused`, removed when it
 * can be, and treated as absent, so the host asks the registry instead of
 * hanging.
 */
import { createHash } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedDocumentRecord, decodeCachedDocument } from '../../core/registry/index.js';
import { isCacheFileError, type CacheFileError } from '../../core/errors/index.js';
import type { CachedDocument, DocumentCache } from '../../core/ports.js';
import { writeFileAtomic } from '../atomic-write.js';
import { blockedWriteError, DEFAULT_READ_TIMEOUT_MS, readRegularFileUtf8, removeRefusedEntry } from '../regular-file.js';

/** The largest cached document entry read back by default: a document of 8 MiB and its envelope, with room. */
export const DEFAULT_MAX_DOCUMENT_FILE_BYTES = 32 * 1024 * 1024;

/** Options of createFsDocumentCache. */
export interface FsDocumentCacheOptions {
  /** The largest entry file read back (default 32 MiB); a larger one is refused and treated as absent. */
  maxEntryBytes?: number;
  /** How long reading one entry may take, in ms (default 5 s). */
  readTimeoutMs?: number;
  /** Told of every entry file refused and treated as absent (default: ignored). */
  onRefused?: (error: CacheFileError) => void;
}

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
export function createFsDocumentCache(dir: string, options: FsDocumentCacheOptions = {}): FsDocumentCache {
  const root = join(dir, 'documents');
  const limits = { maxBytes: options.maxEntryBytes ?? DEFAULT_MAX_DOCUMENT_FILE_BYTES, timeoutMs: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS };
  const pathOf = (registry: string, name: string) => join(root, `${createHash('sha256').update(`${registry}\n${name}`).digest('hex')}.json`);

  return {
    dir,
    pathOf,

    async get(registry, name) {
      const path = pathOf(registry, name);
      let text: string;
      try {
        text = await readRegularFileUtf8(path, limits);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        if (!isCacheFileError(error)) throw error;
        options.onRefused?.(await removeRefusedEntry(error, 'asking the registry instead'));
        return undefined;
      }
      const entry = decode(text, registry, name);
      if (!entry) await unlink(path).catch(() => undefined);
      return entry;
    },

    async put(entry) {
      const stored = cachedDocumentRecord(entry);
      const path = pathOf(entry.registry, entry.name);
      try {
        // No fsync: a document lost or emptied by a power cut reads as absent and is fetched again.
        await writeFileAtomic(path, JSON.stringify(stored), { sync: false });
      } catch (error) {
        // A planted directory get could not remove may be in the way.
        throw blockedWriteError(error, path, `the document of ${entry.name}`, { plugin: entry.name });
      }
    },

    async delete(registry, name) {
      await unlink(pathOf(registry, name)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
    },
  };
}
