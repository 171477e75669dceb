/**
 * A BlobCache on the filesystem, shared safely by several processes.
 *
 * Layout: `<dir>/blobs/<algorithm>/<hex digest>`, one file per blob, named
 * only by the hash of its bytes (never by a plugin name, so nothing a
 * registry says can choose a path). Writes go through a temporary file in the
 * same directory and a rename, after the bytes were verified against their
 * integrity: a reader sees a whole verified blob or nothing, and a failed or
 * refused write leaves nothing behind. They are not flushed with fsync
 * (docs/design.md, invariant 5): a blob lost or torn by a power cut no
 * longer matches its name, and every read for a load verifies it, so it is
 * removed and downloaded again. The last use of a blob is
 * its file's mtime, set with utimes on every get and put: each process
 * updates it on its own with one system call, so there is no shared index to
 * lock or corrupt, and `prune` removes the oldest files first.
 *
 * Whoever can write the directory may plant a FIFO, a directory or a
 * symbolic link where a blob is expected: blobs are read with
 * readRegularFile (regular files only, never through a link, bounded in size
 * and time), and a refused entry is reported through `onRefused`, removed
 * when it can be, and treated as a miss, so the host downloads the bundle
 * again instead of hanging.
 */
import { lstat, lutimes, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  checkIntegrity,
  computeIntegrity,
  hexToIntegrity,
  integrityToHex,
  parseIntegrity,
  strongestHashes,
  verifyIntegrity,
  type HashAlgorithm,
} from '../../core/integrity.js';
import { selectForPrune } from '../../core/memory.js';
import { isCacheFileError, type CacheFileError } from '../../core/errors/index.js';
import type { BlobCache, CachedBlobInfo, PruneResult } from '../../core/ports.js';
import { isTempName, writeFileAtomic } from '../atomic-write.js';
import {
  blockedWriteError,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_READ_TIMEOUT_MS,
  entryKind,
  readRegularFile,
  removeEntry,
  removeRefusedEntry,
} from '../regular-file.js';

const ALGORITHMS: Record<HashAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** Temporary files older than this are leftovers of a crashed writer; verify() removes them. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** What `verify()` found. */
export interface VerifyReport {
  /** How many blobs were re-hashed. */
  checked: number;
  /** Blobs whose bytes no longer match their name; they have been removed. */
  corrupt: Array<{ integrity: string; path: string }>;
  /** Leftover temporary files of interrupted writes that were removed. */
  removedTemp: string[];
  /** Entries under a blob's name that are not regular files (FIFOs, directories, links), with what they were; removed when possible. */
  refused: Array<{ path: string; problem: string; removed: boolean }>;
}

/** The filesystem BlobCache, with what the CLI needs on top of the port. */
export interface FsBlobCache extends BlobCache {
  /** The cache's root directory. */
  readonly dir: string;
  /** The file a blob is stored in (or would be). Throws IntegrityError for an unusable integrity. */
  pathOf(integrity: string): string;
  /** The file: URL of a stored blob, or undefined when it is not stored. */
  locate(integrity: string): Promise<string | undefined>;
  /** The file: URL a blob is stored under (or will be); see BlobCache.urlOf. */
  urlOf(integrity: string): string;
  /** Re-hashes every stored blob, removes the corrupt ones and stale temporary files, and says which. */
  verify(): Promise<VerifyReport>;
}

/** Options of createFsBlobCache. */
export interface FsBlobCacheOptions {
  /** The clock used for lastUsed (epoch ms); tests inject one they can move. */
  now?: () => number;
  /** The largest blob read back (default 64 MiB); a larger file is refused and treated as a miss. */
  maxBlobBytes?: number;
  /** How long reading one blob may take, in ms (default 5 s); a slower read is refused and treated as a miss. */
  readTimeoutMs?: number;
  /** Told of every cache file refused and treated as a miss (default: ignored). */
  onRefused?: (error: CacheFileError) => void;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Creates a BlobCache storing blobs under `<dir>/blobs`. The directory is
 * created on the first write.
 *
 * @example
 * const cache = createFsBlobCache(join(homedir(), '.cache/plughub'));
 * await cache.put(integrity, bytes);
 * await cache.prune({ maxBytes: 100 * 1024 * 1024 });
 */
export function createFsBlobCache(dir: string, options: FsBlobCacheOptions = {}): FsBlobCache {
  const now = options.now ?? (() => Date.now());
  const limits = { maxBytes: options.maxBlobBytes ?? DEFAULT_MAX_FILE_BYTES, timeoutMs: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS };
  const root = join(dir, 'blobs');
  const fileOf = (algorithm: HashAlgorithm, hex: string) => join(root, algorithm, hex);

  /** The files a blob may be stored in: one per digest of the strongest algorithm. */
  function candidates(integrity: string): string[] {
    return strongestHashes(parseIntegrity(integrity)).map((hash) => {
      const { hex } = integrityToHex(`${hash.algorithm}-${hash.digest}`);
      return fileOf(hash.algorithm, hex);
    });
  }

  async function touch(path: string): Promise<void> {
    const time = new Date(now());
    await lutimes(path, time, time).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }

  /** The bytes of a stored blob; undefined when missing, or refused (reported, then removed when possible). */
  async function read(path: string, report = true): Promise<Uint8Array | undefined> {
    try {
      return await readRegularFile(path, limits);
    } catch (error) {
      if (isMissing(error)) return undefined;
      if (!isCacheFileError(error)) throw error;
      const refusal = await removeRefusedEntry(error, 'treating it as not cached');
      if (report) options.onRefused?.(refusal);
      return undefined;
    }
  }

  /** Writes a blob file, with a clear error when a planted entry that could not be removed is in the way. */
  async function write(path: string, bytes: Uint8Array): Promise<void> {
    try {
      await writeFileAtomic(path, bytes, { sync: false });
    } catch (error) {
      throw blockedWriteError(error, path, 'the blob');
    }
  }

  async function find(integrity: string): Promise<string | undefined> {
    for (const path of candidates(integrity)) {
      try {
        if ((await lstat(path)).isFile()) return path;
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    return undefined;
  }

  /** The regular files stored under blob names, and the other entries found under such names. */
  async function listAlgorithm(algorithm: HashAlgorithm): Promise<Array<(CachedBlobInfo & { path: string }) | { path: string; refused: string }>> {
    let names: string[];
    try {
      names = await readdir(join(root, algorithm));
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const pattern = new RegExp(`^[0-9a-f]{${ALGORITHMS[algorithm]}}$`);
    const entries = await Promise.all(
      names
        .filter((name) => pattern.test(name))
        .map(async (hex) => {
          const path = fileOf(algorithm, hex);
          try {
            const info = await lstat(path);
            if (!info.isFile()) return { path, refused: entryKind(info) };
            return { integrity: hexToIntegrity(algorithm, hex), size: info.size, lastUsed: Math.round(info.mtimeMs), path };
          } catch (error) {
            if (isMissing(error)) return undefined; // removed by another process meanwhile
            throw error;
          }
        }),
    );
    return entries.filter((entry) => entry !== undefined);
  }

  async function listEntries() {
    const groups = await Promise.all((Object.keys(ALGORITHMS) as HashAlgorithm[]).map(listAlgorithm));
    return groups.flat();
  }

  async function listAll(): Promise<Array<CachedBlobInfo & { path: string }>> {
    return (await listEntries()).filter((entry): entry is CachedBlobInfo & { path: string } => !('refused' in entry));
  }

  async function remove(path: string): Promise<boolean> {
    try {
      await unlink(path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async function removeStaleTemp(): Promise<string[]> {
    const removed: string[] = [];
    for (const algorithm of Object.keys(ALGORITHMS)) {
      const folder = join(root, algorithm);
      const names = await readdir(folder).catch((error: unknown) => {
        if (isMissing(error)) return [] as string[];
        throw error;
      });
      for (const name of names.filter(isTempName)) {
        const path = join(folder, name);
        const info = await stat(path).catch(() => undefined);
        if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS && (await remove(path))) removed.push(path);
      }
    }
    return removed;
  }

  return {
    dir,

    pathOf(integrity) {
      return candidates(integrity)[0]!;
    },

    async get(integrity) {
      for (const path of candidates(integrity)) {
        const bytes = await read(path);
        if (bytes) {
          await touch(path);
          return bytes;
        }
      }
      return undefined;
    },

    async put(integrity, bytes) {
      await verifyIntegrity(bytes, integrity);
      const expected = strongestHashes(parseIntegrity(integrity));
      // With several digests of one algorithm, name the file by the one the bytes really have.
      const actual = expected.length === 1 ? integrity : await computeIntegrity(bytes, expected[0]!.algorithm);
      const { algorithm, hex } = integrityToHex(actual);
      const path = fileOf(algorithm, hex);
      const existing = await read(path, false); // removes a refused entry in the way; get is what reports refusals
      if (!existing || !sameBytes(existing, bytes)) await write(path, bytes);
      await touch(path);
    },

    async has(integrity) {
      return (await find(integrity)) !== undefined;
    },

    async delete(integrity) {
      for (const path of candidates(integrity)) await remove(path);
    },

    async list() {
      return (await listAll()).map(({ integrity, size, lastUsed }) => ({ integrity, size, lastUsed }));
    },

    async prune({ maxBytes }): Promise<PruneResult> {
      const entries = await listAll();
      const victims = selectForPrune(entries, maxBytes) as typeof entries;
      const result: PruneResult = { removed: [], freedBytes: 0 };
      for (const victim of victims) {
        if (!(await remove(victim.path))) continue; // another process pruned it first
        result.removed.push(victim.integrity);
        result.freedBytes += victim.size;
      }
      return result;
    },

    urlOf(integrity) {
      return pathToFileURL(candidates(integrity)[0]!).href;
    },

    async locate(integrity) {
      const path = await find(integrity);
      return path ? pathToFileURL(path).href : undefined;
    },

    async verify() {
      const report: VerifyReport = { checked: 0, corrupt: [], removedTemp: await removeStaleTemp(), refused: [] };
      for (const entry of await listEntries()) {
        if ('refused' in entry) {
          report.refused.push({ path: entry.path, problem: entry.refused, removed: await removeEntry(entry.path) });
          continue;
        }
        const bytes = await read(entry.path);
        if (!bytes) continue;
        report.checked += 1;
        if (await checkIntegrity(bytes, entry.integrity)) continue;
        await remove(entry.path);
        report.corrupt.push({ integrity: entry.integrity, path: entry.path });
      }
      return report;
    },
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
