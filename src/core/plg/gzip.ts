/**
 * gzip through the web-standard CompressionStream / DecompressionStream, so
 * the same code runs in Node and in browsers. Decompression is pull-driven:
 * output is inflated only as fast as the consumer reads it, so a consumer
 * that stops at a size limit also stops a gzip bomb. (The compressed input
 * may be read ahead of the output — Node's DecompressionStream queues its
 * writes — so limit the input too, as readPlg does.)
 */
import { PackageError } from './errors.js';
import type { ErrorLatch } from './streams.js';

/** True when the bytes start like a gzip member (magic number 1f 8b). */
export function looksLikeGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a gzip stream. The output errors with PackageError E_NOT_GZIP
 * (recorded in `latch` when given) when the input does not start with the
 * gzip magic number; corrupt or truncated gzip data makes the output error
 * with whatever the platform's DecompressionStream raises (callers map it).
 */
export function gunzip(source: ReadableStream<Uint8Array>, latch?: ErrorLatch): ReadableStream<Uint8Array> {
  return source.pipeThrough(requireGzipMagic(latch)).pipeThrough(decompressor());
}

/** Compresses a byte stream with gzip. */
export function gzip(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return source.pipeThrough(new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
}

function decompressor(): ReadableWritablePair<Uint8Array, Uint8Array> {
  return new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
}

/** Passes bytes through once the first two are checked to be the gzip magic number. */
function requireGzipMagic(latch?: ErrorLatch): TransformStream<Uint8Array, Uint8Array> {
  let head: Uint8Array | undefined = new Uint8Array(0);
  const refuse = (controller: TransformStreamDefaultController<Uint8Array>) => {
    const error = new PackageError('the package is not gzip-compressed (a .plg is a gzip-compressed tar)', 'E_NOT_GZIP');
    controller.error(latch ? latch.record(error) : error);
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (head === undefined) {
        controller.enqueue(chunk);
        return;
      }
      const joined = new Uint8Array(head.byteLength + chunk.byteLength);
      joined.set(head, 0);
      joined.set(chunk, head.byteLength);
      if (joined.byteLength < 2) {
        head = joined;
        return;
      }
      if (!looksLikeGzip(joined)) {
        refuse(controller);
        return;
      }
      head = undefined;
      controller.enqueue(joined);
    },
    flush(controller) {
      if (head !== undefined) refuse(controller);
    },
  });
}
