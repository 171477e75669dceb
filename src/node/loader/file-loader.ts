/**
 * The Node ModuleLoader. Modules are memoized by integrity (same bytes, same
 * module instance; new bytes, new module) and imported from verified bytes
 * only.
 *
 * Why not import the cache file itself (the file: URL `BlobCache.urlOf`
 * gives)? The cache directory is shared: another process, a user, or a bug
 * can replace or rewrite that file between the moment the host verified its
 * bytes and the moment Node reads it, and Node would then run bytes nobody
 * checked; and the host may still be writing it (the cache write runs
 * beside the import). So when the source has a file: URL (the host runs
 * with a disk cache, writing files is expected), the loader writes the
 * bytes it was handed (verified by the host right before the import, as the
 * ModuleLoader port requires) to a private copy,
 * `<private dir>/<algo>-<hex>.mjs`, in a directory created with mkdtemp
 * (mode 0700, an unpredictable name) that only this process writes, and
 * imports that. It never reads the bytes
 * back from the shared cache. The copy keeps `import.meta.url` a readable
 * file: URL, and its stack frames point at a file one can open. The name is the content hash, so Node's module map
 * is keyed by content too. Each copy is written once per process, straight
 * to its name (no temporary file, rename or existence check: the directory
 * is this process's own): the loaders of a process share a table of the
 * copies written or being written, so a second import of the same bytes,
 * by any host of the process, waits for that write instead of reading a
 * file still being written; a file found under that name that this process
 * did not write (left in a `privateDir` by an earlier process, perhaps torn
 * by a crash) is overwritten with the verified bytes, never trusted.
 * Copies live until the process ends (Node keeps every imported module
 * anyway); the default directory,
 * `plughub-modules-<pid>-<random>`, is removed then, also when the process
 * is stopped by SIGINT, SIGTERM or SIGHUP, and folders left by processes that
 * died without cleaning up are swept at the next start (module-dir.ts).
 *
 * Without a file: URL (an in-memory cache) the loader writes nothing and
 * imports a data: URL of the verified bytes, as core's createDataUrlLoader.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { integrityToHex } from '../../core/integrity.js';
import { importFailure, memoizeByIntegrity, moduleDataUrl } from '../../core/plugin/index.js';
import type { ModuleLoader, ModuleNamespace, ModuleSource } from '../../core/ports.js';
import { processModuleDir } from './module-dir.js';

/** Options of createFileLoader. */
export interface FileLoaderOptions {
  /**
   * Where private copies are written. Default: one directory per process,
   * created with mkdtemp under os.tmpdir() and removed when the process ends
   * (exit, SIGINT, SIGTERM, SIGHUP; stale ones are swept at start).
   * A directory given here must be writable by this process only; it is
   * created (mode 0700) when missing and never removed.
   */
  privateDir?: string;
}

/** The private copies this process wrote or is writing, by path: every loader of the process imports a copy only once its write is done. */
const copies = new Map<string, Promise<void>>();

/** Writes the verified `bytes` to `file` once in this process; a failed write is forgotten, so that the next import tries again. */
function writeCopy(file: string, bytes: Uint8Array): Promise<void> {
  let written = copies.get(file);
  if (!written) {
    written = writeFile(file, bytes, { mode: 0o600 });
    copies.set(file, written);
    written.catch(() => copies.delete(file));
  }
  return written;
}

/**
 * Creates the Node loader: private file copies for sources with a file: URL,
 * data: URLs otherwise. Import failures (a syntax error, a throw while the
 * module evaluates) become a PluginLoadError naming the plugin, the version,
 * the file and the cause.
 *
 * @example
 * const host = createHost({ cache: createFsBlobCache(dir), loader: createFileLoader() });
 */
export function createFileLoader(options: FileLoaderOptions = {}): ModuleLoader {
  let ownDir: Promise<string> | undefined;
  const privateDir = () => {
    if (!options.privateDir) return processModuleDir();
    const dir = options.privateDir;
    ownDir ??= mkdir(dir, { recursive: true, mode: 0o700 }).then(() => dir);
    return ownDir;
  };

  async function importFile(source: ModuleSource): Promise<ModuleNamespace> {
    const { algorithm, hex } = integrityToHex(source.integrity);
    const file = join(await privateDir(), `${algorithm}-${hex}.mjs`);
    await writeCopy(file, source.bytes);
    const url = pathToFileURL(file).href;
    try {
      return (await import(/* @vite-ignore */ url)) as ModuleNamespace;
    } catch (error) {
      throw importFailure(source, url, error);
    }
  }

  async function importData(source: ModuleSource): Promise<ModuleNamespace> {
    try {
      return (await import(/* @vite-ignore */ moduleDataUrl(source.bytes, source))) as ModuleNamespace;
    } catch (error) {
      throw importFailure(source, undefined, error);
    }
  }

  // The memo and the file name trust the integrity: the caller (the host) verified the bytes against it.
  return memoizeByIntegrity((source) => (source.url?.startsWith('file:') ? importFile(source) : importData(source)));
}
