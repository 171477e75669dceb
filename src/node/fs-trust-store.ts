/**
 * A TrustStore on the filesystem, under `<dir>/trust`: one small JSON file
 * per registry identity and document key (`versions/<sha256>.json`, the
 * highest version seen) and one per registry URL (`keys/<sha256>.json`, the
 * trusted key set), each written atomically with fsync (temp file + rename),
 * so a crash leaves the old value or the new one. File names are hashes: no
 * plugin name or URL reaches outside the directory. A file that does not
 * read back as what it should be counts as absent.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrustedKeySet, TrustStore } from '../core/ports.js';
import { writeFileAtomic } from './atomic-write.js';

/** The filesystem TrustStore and the directory it uses. */
export interface FsTrustStore extends TrustStore {
  readonly dir: string;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
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
  const keysPath = (url: string) => join(root, 'keys', `${hash(url)}.json`);
  /** Raises are serialized per file within the process, so two raises cannot lower each other. */
  const queues = new Map<string, Promise<void>>();

  async function getVersion(registry: string, key: string): Promise<number | undefined> {
    const stored = await readJson(versionPath(registry, key));
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

    async getKeys(url) {
      const stored = await readJson(keysPath(url));
      if (!stored || stored.url !== url || typeof stored.set !== 'object' || stored.set === null) return undefined;
      const set = stored.set as TrustedKeySet;
      if (!Array.isArray(set.keys) || !Number.isSafeInteger(set.threshold) || !Number.isSafeInteger(set.keysVersion) || typeof set.anchor !== 'string') return undefined;
      return set;
    },

    async putKeys(url, set) {
      await writeFileAtomic(keysPath(url), JSON.stringify({ url, set }));
    },
  };
}
