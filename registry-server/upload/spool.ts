/**
 * Where one upload body waits until it has all arrived: in memory while it
 * is at most `memoryBytes` and the registry's memory budget for bodies
 * (UploadMemory) has room, then in a temp file of the UploadSpool, when the
 * registry has one. Without one the body stays in memory (at most the
 * compressed-package limit, since the receiver stops there) as long as the
 * budget has room, and is refused (503) past it. Memory held per upload is
 * thus bounded by what the client sent, never by what the package unpacks
 * to, and memory held by all uploads together by the budget.
 */
import { concatBytes } from '../../src/core/plg/index.js';
import { HttpError } from '../http/errors.js';
import type { UploadMemory } from './memory.js';
import type { SpoolFile, UploadSpool } from './types.js';

/** A complete upload body, ready to be read from its first byte. */
export interface SpooledBody {
  /** Bytes in the body. */
  readonly size: number;
  /** The body as a stream, read on demand (from memory or the temp file). */
  stream(): ReadableStream<Uint8Array>;
  /** The whole body when it is held in memory (joined once), undefined when it waits in a temp file. */
  bytes(): Uint8Array | undefined;
  /** Frees the memory, or closes (and removes) the temp file. */
  close(): Promise<void>;
}

const READ_CHUNK = 64 * 1024;

/** How a BodySpool keeps a body: the bytes one body may keep in memory, the budget of all bodies, and the spool. */
export interface BodySpoolOptions {
  memoryBytes: number;
  memory: UploadMemory;
  spool: UploadSpool | undefined;
  /** Seconds a client refused for want of memory is told to wait (Retry-After). */
  retryAfterSeconds: number;
  /** Names the upload in messages (`name@version`). */
  what: string;
}

/** Collects one body: in memory up to `memoryBytes` (and while the budget has room), in a temp file of the spool beyond. */
export class BodySpool {
  readonly #options: BodySpoolOptions;
  #chunks: Uint8Array[] = [];
  /** Bytes of `#chunks`, reserved from the budget. */
  #reserved = 0;
  #size = 0;
  #file: SpoolFile | undefined;

  constructor(options: BodySpoolOptions) {
    this.#options = options;
  }

  /**
   * Appends a chunk (copied when kept in memory, so the caller's buffer is
   * not retained). Throws HttpError 503 E_UNAVAILABLE when the chunk fits
   * neither the memory budget nor a spool.
   */
  async write(chunk: Uint8Array): Promise<void> {
    const { memoryBytes, memory, spool } = this.#options;
    this.#size += chunk.byteLength;
    if (this.#file === undefined) {
      const fitsOne = spool === undefined || this.#size <= memoryBytes;
      if (fitsOne && memory.reserve(chunk.byteLength)) {
        this.#reserved += chunk.byteLength;
        this.#chunks.push(chunk.slice());
        return;
      }
      if (spool === undefined) throw this.#noMemory();
      this.#file = await spool.create();
      for (const held of this.#chunks.splice(0)) await this.#file.append(held);
      this.#releaseMemory();
    }
    await this.#file.append(chunk);
  }

  /** The body collected so far, as complete; closing it gives its memory back. */
  finish(): SpooledBody {
    const size = this.#size;
    const file = this.#file;
    const chunks = this.#chunks;
    const reserved = this.#reserved;
    this.#chunks = [];
    this.#reserved = 0;
    this.#file = undefined;
    if (file !== undefined) return { size, stream: () => fileStream(file, size), bytes: () => undefined, close: () => file.close() };
    let closed = false;
    let whole: Uint8Array | undefined;
    const bytes = () => (whole ??= concatBytes(chunks));
    const close = async () => {
      if (closed) return;
      closed = true;
      chunks.splice(0);
      whole = undefined;
      this.#options.memory.release(reserved);
    };
    return { size, stream: () => memoryStream(bytes()), bytes, close };
  }

  /** Drops what was collected (a failed or refused upload). */
  async discard(): Promise<void> {
    this.#chunks = [];
    this.#releaseMemory();
    const file = this.#file;
    this.#file = undefined;
    await file?.close();
  }

  #releaseMemory(): void {
    this.#options.memory.release(this.#reserved);
    this.#reserved = 0;
  }

  #noMemory(): HttpError {
    const { memory, what, retryAfterSeconds } = this.#options;
    return new HttpError(
      503,
      'E_UNAVAILABLE',
      `${what}: the registry already holds ${memory.held} bytes of uploads in memory, its limit of ${memory.limit} bytes (it has no temp files for uploads); try again shortly`,
      { extra: { limit: memory.limit }, headers: { 'retry-after': String(retryAfterSeconds) } },
    );
  }
}

/** The body held in memory as one chunk (at most `memoryBytes`), however many pieces it arrived in. */
function memoryStream(whole: Uint8Array): ReadableStream<Uint8Array> {
  let sent = whole.byteLength === 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent) controller.close();
        else controller.enqueue(whole);
        sent = true;
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
