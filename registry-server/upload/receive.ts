/**
 * Receiving a publish's body before anything unpacks it: read at the pace
 * the upload limits demand (whole body within `timeoutMs`, `minBytes` per
 * `windowMs`), refused as soon as it passes the compressed-package limit, and
 * spooled (memory, then a temp file of the registry's UploadSpool; memory of
 * all bodies together within `memoryTotalBytes`). A client that stalls thus
 * holds at most `memoryBytes` of memory (with a spool) and its slot for at
 * most one window, and the package is unpacked only from a complete local
 * copy.
 */
import { PlughubError, SizeLimitError } from '../../src/core/errors/index.js';
import { PackageError } from '../../src/core/plg/index.js';
import type { ResolvedOptions } from '../options.js';
import { UploadPace } from './pace.js';
import { BodySpool, type SpooledBody } from './spool.js';

export type { SpooledBody } from './spool.js';

/**
 * Reads `body` to its end; resolves to the spooled copy (close it when done).
 * Throws HttpError 408 E_UPLOAD_TIMEOUT when the upload is too slow,
 * HttpError 503 E_UNAVAILABLE when the bodies in memory would pass
 * `uploads.memoryTotalBytes` and there is no spool,
 * SizeLimitError past `limits.maxPackageBytes`, and PackageError
 * E_BAD_ARCHIVE when the client aborts. `what` names the upload in messages.
 */
export async function receiveUpload(body: ReadableStream<Uint8Array>, options: ResolvedOptions, what: string): Promise<SpooledBody> {
  const limit = options.limits.maxPackageBytes;
  const reader = body.getReader();
  const pace = new UploadPace(options.uploads, what, (error) => void reader.cancel(error).catch(() => undefined));
  const spool = new BodySpool({
    memoryBytes: options.uploads.memoryBytes,
    memory: options.uploadMemory,
    spool: options.uploadSpool,
    retryAfterSeconds: Math.ceil(options.uploads.windowMs / 1000),
    what,
  });
  let size = 0;
  try {
    while (true) {
      const next = await reader.read().catch((error: unknown) => {
        throw pace.cutBy ?? (error instanceof PlughubError ? error : interrupted(error));
      });
      if (pace.cutBy !== undefined) throw pace.cutBy;
      if (next.done) break;
      size += next.value.byteLength;
      pace.received(next.value.byteLength);
      if (size > limit) throw new SizeLimitError(`the compressed package exceeds the limit of ${limit} bytes`, limit);
      await spool.write(next.value);
    }
    return spool.finish();
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    await spool.discard();
    throw error;
  } finally {
    pace.stop();
    reader.releaseLock();
  }
}

function interrupted(cause: unknown): PackageError {
  return new PackageError('the upload was interrupted', 'E_BAD_ARCHIVE', { cause });
}
