/**
 * How the filesystem driver reads its own files (documents, index.json):
 * through the bounded reader of src/node/regular-file.ts, which refuses a
 * FIFO, device, directory or symbolic link planted in their place (opened
 * non-blocking, so nothing hangs), a file over the size bound, and a read
 * that takes too long. A missing file is not an error here.
 */
import { readRegularFile } from '../../src/node/regular-file.js';

/** The bytes of the regular file at `path` (at most `maxBytes`), or undefined when there is none; throws what readRegularFile throws otherwise. */
export async function readDataFile(path: string, maxBytes: number): Promise<Uint8Array | undefined> {
  try {
    return await readRegularFile(path, { maxBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Why a read of `path` failed, as a clause about "it" (`it is a FIFO, not a regular file; …`). */
export function readProblem(path: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(`${path} `)) return `it${message.slice(path.length)}`;
  const code = (error as NodeJS.ErrnoException).code;
  return `it cannot be read (${code ?? message})`;
}
