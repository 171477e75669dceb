/**
 * Where one upload body waits until it has all arrived: in memory while it
 * is at most `memoryBytes`, then in a temp file of the UploadSpool, when the
 * registry has one (without one, in memory: at most the compressed-package
 * limit, since the receiver stops there). Memory held per upload is thus
 * bounded by what the client sent, never by what the package unpacks to.
 */
import type { SpoolFile, UploadSpool } from './types.js';

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

/** Collects one body: in memory up to `memoryBytes`, in a temp file of `spool` beyond. */
export class BodySpool {
  readonly #memoryBytes: number;
  readonly #spool: UploadSpool | undefined;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #file: SpoolFile | undefined;

  constructor(memoryBytes: number, spool: UploadSpool | undefined) {
    this.#memoryBytes = memoryBytes;
    this.#spool = spool;
  }

  /** Appends a chunk (copied when kept in memory, so the caller's buffer is not retained). */
  async write(chunk: Uint8Array): Promise<void> {
    this.#size += chunk.byteLength;
    if (this.#file === undefined && (this.#spool === undefined || this.#size <= this.#memoryBytes)) {
      this.#chunks.push(chunk.slice());
      return;
    }
    if (this.#file === undefined) {
      this.#file = await (this.#spool as UploadSpool).create();
      for (const held of this.#chunks.splice(0)) await this.#file.append(held);
    }
    await this.#file.append(chunk);
  }

  /** The body collected so far, as complete. */
  finish(): SpooledBody {
    const size = this.#size;
    const file = this.#file;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#file = undefined;
    if (file === undefined) return { size, stream: () => memoryStream(chunks), close: async () => void chunks.splice(0) };
    return { size, stream: () => fileStream(file, size), close: () => file.close() };
  }

  /** Drops what was collected (a failed or refused upload). */
  async discard(): Promise<void> {
    this.#chunks = [];
    const file = this.#file;
    this.#file = undefined;
    await file?.close();
  }
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

function fileStream(file: SpoolFile, size: number): ReadableStream<Uint8Array> {
  let position = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (position >= size) {
          controller.close();
          return;
        }
        const bytes = await file.read(position, Math.min(READ_CHUNK, size - position));
        if (bytes.byteLength === 0) {
          controller.error(new Error(`the spooled upload ends at byte ${position} of ${size}`));
          return;
        }
        position += bytes.byteLength;
        controller.enqueue(bytes);
      },
    },
    { highWaterMark: 0 },
  );
}
