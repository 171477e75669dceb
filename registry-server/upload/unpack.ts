/**
 * Unpacking a received upload into a checked package. A body held in memory
 * is inflated in one synchronous node:zlib call, its output bounded, and its
 * tar read from the bytes (readPlgTar): for a package of tens of kilobytes
 * that is a tenth of a millisecond, against a millisecond and a dozen trips
 * through the thread pool — where they queue behind the journal's flushes —
 * for the web-stream pipeline. The output bound, SYNC_INFLATE_BYTES, caps
 * the time one upload holds the event loop; a package that inflates past it
 * (while within `maxUnpackedBytes`), and a body spooled to a temp file, are
 * read by the streaming readPlg instead. Either way the package meets the
 * same limits and checks and fails with the same errors.
 */
import { gunzipSync } from 'node:zlib';
import { SizeLimitError } from '../../src/core/errors/index.js';
import { PackageError, looksLikeGzip, readPlg, readPlgTar, type PlgLimits, type PlgPackage } from '../../src/core/plg/index.js';
import type { SpooledBody } from './spool.js';

/** The most bytes a package may inflate to in the one-call path (a few milliseconds of the event loop, hostile tars included); a larger one is streamed. */
export const SYNC_INFLATE_BYTES = 1024 * 1024;

/**
 * Unpacks and checks the `.plg` in `body` (see the module comment); throws
 * what readPlg throws: SizeLimitError past a limit, PackageError for an
 * archive it refuses, ManifestError for an invalid plugin.json.
 */
export async function unpackUpload(body: SpooledBody, limits: PlgLimits, inflateBound = SYNC_INFLATE_BYTES): Promise<PlgPackage> {
  const bytes = body.bytes();
  if (bytes === undefined) return readPlg(body.stream(), limits);
  if (bytes.byteLength > limits.maxPackageBytes) {
    throw new SizeLimitError(`the compressed package exceeds the limit of ${limits.maxPackageBytes} bytes`, limits.maxPackageBytes);
  }
  if (!looksLikeGzip(bytes)) throw new PackageError('the package is not gzip-compressed (a .plg is a gzip-compressed tar)', 'E_NOT_GZIP');
  const bound = Math.min(limits.maxUnpackedBytes, inflateBound);
  let tar: Uint8Array;
  try {
    // One byte more than the bound: an output of exactly the limit passes, one byte more is seen.
    const inflated = gunzipSync(bytes, { maxOutputLength: bound + 1 });
    tar = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') {
      throw new PackageError('the gzip data is corrupt or truncated', 'E_BAD_ARCHIVE', { cause: error });
    }
    if (bound < limits.maxUnpackedBytes) return readPlg(body.stream(), limits);
    throw new SizeLimitError(`the unpacked package exceeds the limit of ${limits.maxUnpackedBytes} bytes`, limits.maxUnpackedBytes);
  }
  return readPlgTar(tar, limits);
}
