/**
 * A TrustStore on the filesystem, under `<dir>/trust`: one small JSON file
 * per registry identity and document key (`versions/<sha256>.json`, the
 * highest version seen) and one per registry URL (`key-chains/<sha256>.json`,
 * the keys envelopes of the rotation followed), each written atomically with
 * fsync (temp file + rename), so a crash leaves the old value or the new
 * one. File names are hashes: no plugin name or URL reaches outside the
 * directory.
 *
 * The directory is treated as writable by others, like the caches next to
 * it: files are read only when they are regular files (a FIFO, socket,
 * device or symbolic link is refused without blocking), within a size bound
 * and a time-out (regular-file.ts), and anything that does not read back as
 * what it should be counts as absent. What is read is never trusted by
 * itself: the trust guard verifies a key chain from the host's configured
 * `trustedKeys` every time (src/core/trust/trust-guard.ts), and a version
 * seen can only make the host refuse. Key sets written by earlier versions
 * under `keys/` are not read.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { isCacheFileError } from '../../core/errors/index.js';
import type { TrustStore } from '../../core/ports.js';
import { decodeStoredKeyChain } from '../../core/trust/index.js';
import { writeFileAtomic } from '../atomic-write.js';
import { readRegularFileUtf8 } from '../regular-file.js';

/** The filesystem TrustStore and the directory it uses. */
export interface FsTrustStore extends TrustStore {
  readonly dir: string;
}

/** The largest file a version seen is read from. */
export const MAX_VERSION_FILE_BYTES = 64 * 1024;
/** The largest file a key chain is read from (a longer chain is walked again from the registry). */
export const MAX_KEY_CHAIN_FILE_BYTES = 1024 * 1024;
/** How long reading one trust file may take. */
export const TRUST_FILE_TIMEOUT_MS = 2_000;

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** The JSON object in the regular file at `path`; undefined when it is missing, not a regular file, too large, too slow or not an object. */
async function readJson(path: string, maxBytes: number): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await readRegularFileUtf8(path, { maxBytes, timeoutMs: TRUST_FILE_TIMEOUT_MS })) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError || isCacheFileError(error)) return undefined;
    throw error;
  }
}

/**
 * Creates a TrustStore under `<dir>/trust`.
 *
 * @example
 * const trustStore = createFsTrustStore(cacheDir);
 * const host = createHost({ registry, trustedKeys, trustStore });
 */
export function createFsTrustStore(dir: string): FsTrustStore {
  const root = join(dir, 'trust');
  const versionPath = (registry: string, key: string) => join(root, 'versions', `${hash(`${registry}\n${key}`)}.json`);
  const chainPath = (url: string) => join(root, 'key-chains', `${hash(url)}.json`);
  /** Raises are serialized per file within the process, so two raises cannot lower each other. */
  const queues = new Map<string, Promise<void>>();

  async function getVersion(registry: string, key: string): Promise<number | undefined> {
    const stored = await readJson(versionPath(registry, key), MAX_VERSION_FILE_BYTES);
    if (!stored || stored.registry !== registry || stored.key !== key || !Number.isSafeInteger(stored.version)) return undefined;
    return stored.version as number;
  }

  return {
    dir,
    getVersion,

    raiseVersion(registry, key, version) {
      const path = versionPath(registry, key);
      const work = (queues.get(path) ?? Promise.resolve()).then(async () => {
        const current = await getVersion(registry, key);
        if (current !== undefined && current >= version) return;
        await writeFileAtomic(path, JSON.stringify({ registry, key, version }));
      });
      const settled = work.catch(() => undefined);
      queues.set(path, settled);
      void settled.then(() => queues.get(path) === settled && queues.delete(path));
      return work;
    },

    async getKeyChain(url) {
      const stored = await readJson(chainPath(url), MAX_KEY_CHAIN_FILE_BYTES);
      return stored && stored.url === url ? decodeStoredKeyChain(stored.chain) : undefined;
    },

    async putKeyChain(url, chain) {
      await writeFileAtomic(chainPath(url), JSON.stringify({ url, chain }));
    },
  };
}
