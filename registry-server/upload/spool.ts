/**
 * Where an upload body waits until it has all arrived: in memory while it is
 * small, then in a temp file (mode 0600, unlinked as soon as it is open where
 * the platform allows, so nothing is left behind even if the process dies).
 * Memory held per upload is bounded by `memoryBytes`, whatever the body's
 * size or what it would unpack to.
 */
import { randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** A complete upload body, ready to be read from its first byte. */
export interface SpooledBody {
  /** Bytes in the body. */
  readonly size: number;
  /** The body as a stream, read on demand (from memory or the temp file). */
  stream(): ReadableStream<Uint8Array>;
  /** Frees the memory, or closes (and removes) the temp file. */
  close(): Promise<void>;
}

const READ_CHUNK = 64 * 1024;

/** Collects one body: in memory up to `memoryBytes`, in a temp file under `directory` beyond. */
export class BodySpool {
  readonly #memoryBytes: number;
  readonly #directory: string;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #file: { handle: FileHandle; path: string | undefined } | undefined;

  constructor(memoryBytes: number, directory: string) {
    this.#memoryBytes = memoryBytes;
    this.#directory = directory;
  }

  /** Appends a chunk (copied when kept in memory, so the caller's buffer is not retained). */
  async write(chunk: Uint8Array): Promise<void> {
    this.#size += chunk.byteLength;
    if (this.#file === undefined && this.#size <= this.#memoryBytes) {
      this.#chunks.push(chunk.slice());
      return;
    }
    if (this.#file === undefined) {
      this.#file = await openTempFile(this.#directory);
      for (const held of this.#chunks.splice(0)) await this.#file.handle.write(held);
    }
    await this.#file.handle.write(chunk);
  }

  /** The body collected so far, as complete. */
  finish(): SpooledBody {
    const size = this.#size;
    const file = this.#file;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#file = undefined;
    if (file === undefined) return { size, stream: () => memoryStream(chunks), close: async () => void chunks.splice(0) };
    return { size, stream: () => fileStream(file.handle, size), close: () => closeTempFile(file) };
  }

  /** Drops what was collected (a failed or refused upload). */
  async discard(): Promise<void> {
    this.#chunks = [];
    const file = this.#file;
    this.#file = undefined;
    if (file !== undefined) await closeTempFile(file);
  }
}

async function openTempFile(directory: string): Promise<{ handle: FileHandle; path: string | undefined }> {
  const path = join(directory, `plughub-upload-${process.pid}-${randomBytes(8).toString('hex')}`);
  const handle = await open(path, 'wx+', 0o600);
  const unlinked = await rm(path).then(
    () => true,
    () => false,
  );
  return { handle, path: unlinked ? undefined : path };
}

async function closeTempFile(file: { handle: FileHandle; path: string | undefined }): Promise<void> {
  await file.handle.close().catch(() => undefined);
  if (file.path !== undefined) await rm(file.path, { force: true }).catch(() => undefined);
}

function memoryStream(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[next++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
}

function fileStream(handle: FileHandle, size: number): ReadableStream<Uint8Array> {
  let position = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (position >= size) {
          controller.close();
          return;
        }
        const buffer = new Uint8Array(Math.min(READ_CHUNK, size - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
        if (bytesRead === 0) {
          controller.error(new Error(`the spooled upload ends at byte ${position} of ${size}`));
          return;
        }
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
      },
    },
    { highWaterMark: 0 },
  );
}
