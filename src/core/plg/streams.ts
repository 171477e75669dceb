/**
 * Small byte-stream helpers shared by the tar reader, gzip and the package
 * reader: iterate a ReadableStream without relying on its async iterator
 * (Safari lacks it), stop a stream at a byte limit while it flows, and
 * collect a stream into one Uint8Array.
 */
import { SizeLimitError } from '../errors/index.js';

/** Any source of byte chunks the .plg functions accept. */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Iterates the chunks of a byte source. Leaving the loop early (break, throw)
 * cancels a ReadableStream, so an upload that is no longer wanted stops.
 */
export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (!(source instanceof ReadableStream)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Remembers the first error raised by a stage of a stream pipeline. Errors
 * travel through pipes as abort reasons that a platform may wrap or replace;
 * the latch keeps the original (a SizeLimitError, an aborted upload) so the
 * consumer can report the real cause.
 */
export class ErrorLatch {
  #first: { error: unknown } | undefined;

  /** Records `error` unless an earlier one was recorded; returns it. */
  record(error: unknown): unknown {
    this.#first ??= { error };
    return error;
  }

  /** The first recorded error, if any. */
  get recorded(): { error: unknown } | undefined {
    return this.#first;
  }
}

/**
 * A pass-through stage that counts bytes and errors with SizeLimitError as
 * soon as more than `limit` went by, before the excess is passed on. `what`
 * names the limit in the message ("compressed upload", "unpacked package").
 */
export function byteLimit(limit: number, what: string, latch?: ErrorLatch): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) {
        const error = new SizeLimitError(`${what} exceeds the limit of ${limit} bytes`, limit);
        controller.error(latch ? latch.record(error) : error);
        return;
      }
      controller.enqueue(chunk);
    },
  });
}

/**
 * A stage that joins small chunks into chunks of at least `minBytes` (the
 * last one may be smaller), so that the work per chunk further down the pipe
 * (decompression, tar parsing) is paid per block, not per byte: a body sent
 * in one-byte chunks costs what one sent in large ones does. A chunk of
 * `minBytes` or more passes through without a copy.
 */
export function coalesce(minBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let pending: Uint8Array[] = [];
  let size = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (size === 0 && chunk.byteLength >= minBytes) {
        controller.enqueue(chunk);
        return;
      }
      pending.push(chunk);
      size += chunk.byteLength;
      if (size >= minBytes) {
        controller.enqueue(concatBytes(pending, size));
        pending = [];
        size = 0;
      }
    },
    flush(controller) {
      if (size > 0) controller.enqueue(concatBytes(pending, size));
    },
  });
}

/**
 * Wraps a stream so that an error reading it (an upload the client aborted) is
 * recorded in the latch as `wrap(error)` before it travels down the pipe.
 */
export function guardSource(source: ReadableStream<Uint8Array>, latch: ErrorLatch, wrap: (error: unknown) => unknown): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(latch.record(wrap(error)));
        }
      },
      async cancel(reason) {
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Collects a byte source into one Uint8Array. */
export async function collectBytes(source: ByteSource): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of iterateBytes(source)) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  return concatBytes(chunks, total);
}

/** Joins chunks into one Uint8Array (no copy when there is exactly one). */
export function concatBytes(chunks: readonly Uint8Array[], total = chunks.reduce((n, c) => n + c.byteLength, 0)): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** A ReadableStream that yields the chunks of an async iterable, pulling only on demand. */
export function streamFrom(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      iterator ??= Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await iterator?.return?.(reason);
    },
  });
}
