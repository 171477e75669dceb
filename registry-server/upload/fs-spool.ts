/**
 * Upload temp files on the local filesystem: created with mode 0600 under a
 * directory (the OS temp directory by default) and unlinked as soon as they
 * are open where the platform allows it, so nothing is left behind even when
 * the process dies; otherwise removed when closed.
 */
import { randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpoolFile, UploadSpool } from './types.js';

/**
 * The spool for createRegistry's `uploadSpool` option.
 * @example
 * createRegistry({ storage, tokens, uploadSpool: createFsUploadSpool() });
 */
export function createFsUploadSpool(directory: string = tmpdir()): UploadSpool {
  return {
    async create() {
      const path = join(directory, `plughub-upload-${process.pid}-${randomBytes(8).toString('hex')}`);
      const handle = await open(path, 'wx+', 0o600);
      const unlinked = await rm(path).then(
        () => true,
        () => false,
      );
      return fileOf(handle, unlinked ? undefined : path);
    },
  };
}

function fileOf(handle: FileHandle, path: string | undefined): SpoolFile {
  let size = 0;
  return {
    async append(bytes) {
      let written = 0;
      while (written < bytes.byteLength) {
        const result = await handle.write(bytes, written, bytes.byteLength - written, size + written);
        written += result.bytesWritten;
      }
      size += written;
    },
    async read(position, length) {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      let filled = 0;
      while (filled < buffer.byteLength) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    },
    async close() {
      await handle.close().catch(() => undefined);
      if (path !== undefined) await rm(path, { force: true }).catch(() => undefined);
    },
  };
}
