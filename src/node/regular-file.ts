/**
 * Reading a file from a directory others may write (a cache, a trust store)
 * without letting what was planted there stall or redirect the reader.
 *
 * A plain `readFile` follows symbolic links and blocks forever on a FIFO
 * with no writer (and on some devices), so a neighbour who can write the
 * cache directory could hang every host that reads it. Here the file is
 * opened with O_NONBLOCK (opening a FIFO returns at once) and O_NOFOLLOW (a
 * symbolic link is refused, not followed), the open handle is checked with
 * fstat to be a regular file, and the read is bounded in bytes and in time.
 * Anything else is refused with a CacheFileError naming the path and the
 * problem; a missing file rejects with the system's ENOENT error, as
 * readFile does. Where the platform lacks O_NOFOLLOW (Windows) an lstat
 * before the open refuses links.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { CacheFileError, type ErrorDetails } from '../core/errors/index.js';

/** How long one read may take by default, open to last byte. */
export const DEFAULT_READ_TIMEOUT_MS = 5_000;
/** The largest file read by default. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Bytes asked for per read, so that an abort or time-out is seen between reads. */
const CHUNK = 1024 * 1024;
const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** Options of readRegularFile. */
export interface ReadRegularFileOptions {
  /** Refuse a file larger than this (default 64 MiB). */
  maxBytes?: number;
  /** Refuse when the read takes longer than this, in ms (default 5 s). */
  timeoutMs?: number;
  /** Abandons the read with the signal's reason. */
  signal?: AbortSignal;
}

/** What kind of entry a stat (or lstat) describes that is not a regular file: `FIFO`, `directory`, … */
export function entryKind(info: Stats): string {
  if (info.isDirectory()) return 'directory';
  if (info.isFIFO()) return 'FIFO';
  if (info.isSocket()) return 'socket';
  if (info.isSymbolicLink()) return 'symbolic link';
  if (info.isBlockDevice() || info.isCharacterDevice()) return 'device';
  return 'special file';
}

function notRegular(path: string, kind: string): CacheFileError {
  return new CacheFileError(`${path} is a ${kind}, not a regular file; refusing to read it`, path, kind === 'symbolic link' ? 'symlink' : 'not-regular');
}

/** Opens `path` for reading without following a final symbolic link or blocking on a FIFO. */
async function openNoFollow(path: string): Promise<FileHandle> {
  if (constants.O_NOFOLLOW === undefined) {
    const info = await lstat(path);
    if (!info.isFile()) throw notRegular(path, entryKind(info));
  }
  try {
    return await open(path, FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP (Linux, macOS) or EMLINK (FreeBSD): the last component is a link that O_NOFOLLOW refused.
    if (code === 'ELOOP' || code === 'EMLINK') throw notRegular(path, 'symbolic link');
    // ENXIO: a socket, or a FIFO some systems will not open without a writer.
    if (code === 'ENXIO') throw notRegular(path, 'socket or FIFO');
    throw error;
  }
}

async function readBounded(path: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const handle = await openNoFollow(path);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(path, entryKind(info));
    if (info.size > maxBytes) throw tooLarge(path, maxBytes, info.size);
    // One buffer of the size fstat gave (one byte more, to see a file that grew), read into in steps so an abort is seen.
    let buffer = Buffer.allocUnsafe(info.size + 1);
    let total = 0;
    for (;;) {
      signal.throwIfAborted();
      if (total === buffer.byteLength) {
        if (total > maxBytes) throw tooLarge(path, maxBytes, total);
        const grown = Buffer.allocUnsafe(Math.min(buffer.byteLength * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, total);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, total, Math.min(CHUNK, buffer.byteLength - total), total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > maxBytes) throw tooLarge(path, maxBytes, total);
    signal.throwIfAborted();
    return new Uint8Array(buffer.buffer, buffer.byteOffset, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function tooLarge(path: string, maxBytes: number, size: number): CacheFileError {
  return new CacheFileError(`${path} has ${size} bytes or more, more than the limit of ${maxBytes}; refusing to read it`, path, 'too-large');
}

/**
 * Reads a regular file whole, refusing FIFOs, directories, sockets, devices
 * and symbolic links (CacheFileError), files over `maxBytes`, and reads that
 * take over `timeoutMs`. A missing file rejects with the ENOENT error of
 * the system call.
 *
 * @example
 * const bytes = await readRegularFile(join(cacheDir, 'blobs/sha256', hex), { maxBytes: 64 * 1024 * 1024 });
 */
export async function readRegularFile(path: string, options: ReadRegularFileOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  options.signal?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    controller.abort(new CacheFileError(`reading ${path} took longer than ${timeoutMs} ms; giving up on it`, path, 'timeout'));
  }, timeoutMs);
  let stop: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = () => reject(controller.signal.reason);
    controller.signal.addEventListener('abort', stop, { once: true });
  });
  // A system call stuck past the deadline finishes (and closes its handle) on its own; nobody waits for it.
  const work = readBounded(path, maxBytes, controller.signal);
  work.catch(() => undefined);
  stopped.catch(() => undefined);
  try {
    return await Promise.race([work, stopped]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (stop) controller.signal.removeEventListener('abort', stop);
  }
}

/**
 * readRegularFile decoded as UTF-8 (invalid sequences become U+FFFD).
 *
 * @example
 * const json = JSON.parse(await readRegularFileUtf8(path, { maxBytes: 1024 * 1024 }));
 */
export async function readRegularFileUtf8(path: string, options: ReadRegularFileOptions = {}): Promise<string> {
  return new TextDecoder().decode(await readRegularFile(path, options));
}

/**
 * Removes whatever is at `path` without following it: unlinks a file, link,
 * FIFO or socket, removes an empty directory. True when nothing is left
 * there; false when it could not be removed (a directory with entries, no
 * permission), which the caller reports.
 *
 * @example if (!(await removeEntry(path))) log.warn(`${path} could not be removed`);
 */
export async function removeEntry(path: string): Promise<boolean> {
  try {
    const info = await lstat(path);
    if (info.isDirectory()) await rmdir(path);
    else await unlink(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Removes the entry a read refused (with removeEntry) and returns the
 * refusal to report, saying whether the entry was removed and what the
 * caller does `instead`.
 *
 * @example options.onRefused?.(await removeRefusedEntry(error, 'treating it as not cached'));
 */
export async function removeRefusedEntry(error: CacheFileError, instead: string): Promise<CacheFileError> {
  const outcome = (await removeEntry(error.path)) ? 'removed it' : 'could not remove it';
  return new CacheFileError(`${error.message} (${outcome}; ${instead})`, error.path, error.problem, { cause: error });
}

/**
 * The error to throw for a failed write of `what` to `path`: when a
 * directory is in the way (EISDIR, ENOTEMPTY, EEXIST — one planted there
 * that removeEntry could not remove), a CacheFileError naming the path;
 * any other failure is returned as it is.
 *
 * @example
 * try { await writeFileAtomic(path, bytes); } catch (error) { throw blockedWriteError(error, path, 'the blob'); }
 */
export function blockedWriteError(error: unknown, path: string, what: string, details: ErrorDetails = {}): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST') return error;
  return new CacheFileError(`${path} is a directory that could not be removed; cannot store ${what} there (${code})`, path, 'not-regular', {
    ...details,
    cause: error,
  });
}
