/**
 * Hostile `.plg` uploads for the denial-of-service tests, built in memory:
 * tiny packages whose paths have tens of thousands of segments, floods of
 * pax extension headers, and gzip bombs whose unpacked files a reader would
 * hold in memory while the upload stalls.
 */
import { collectBytes, gzip, streamFrom, writeTar } from '../../src/core/plg/index.js';
import { encodeHeader, encodePaxRecords, paddingFor } from '../../src/core/plg/tar-format.js';
import { validEntries } from './helpers.js';

const encoder = new TextEncoder();

/**
 * A package for `name@version` plus `count` files whose paths have `segments`
 * segments (`a/a/…/a/f0`): a few hundred bytes once compressed.
 */
export function deepPathPlg(name: string, version: string, segments: number, count: number): Promise<Uint8Array> {
  const prefix = 'a/'.repeat(segments - 1);
  const deep = Array.from({ length: count }, (_, i) => ({ path: `${prefix}f${i}`, content: encoder.encode('x') }));
  return collectBytes(gzip(writeTar([...validEntries(name, version), ...deep])));
}

/**
 * A package for `name@version` preceded by `headers` consecutive pax
 * extended headers of about `headerBytes` each, every record under a key of
 * its own, before a single file entry.
 */
export function paxFloodPlg(name: string, version: string, headers: number, headerBytes: number): Promise<Uint8Array> {
  function* blocks(): Generator<Uint8Array> {
    for (let h = 0; h < headers; h++) {
      const records: Record<string, string> = {};
      for (let k = 0, size = 0; size < headerBytes - 32; k++) {
        const key = `k${h}.${k}`;
        records[key] = 'v';
        size += key.length + 8;
      }
      const bytes = encodePaxRecords(records);
      yield encodeHeader({ name: `PaxHeader/${h}`, mode: 0o644, size: bytes.byteLength, mtime: 0, type: 'pax-header' });
      yield bytes;
      yield new Uint8Array(paddingFor(bytes.byteLength));
    }
  }
  return collectBytes(gzip(streamFrom(concatGenerators(blocks(), tarBlocks(writeTar(validEntries(name, version)))))));
}

/**
 * A package for `name@version` followed by two files of 9 MiB of zeros
 * (18 MiB unpacked, within the default limits): about 18 KB compressed.
 */
export function zeroBombPlg(name: string, version: string): Promise<Uint8Array> {
  const zeros = new Uint8Array(9 * 1024 * 1024);
  return collectBytes(gzip(writeTar([...validEntries(name, version), { path: 'zeros0', content: zeros }, { path: 'zeros1', content: zeros }])));
}

async function* tarBlocks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

async function* concatGenerators(...parts: (Iterable<Uint8Array> | AsyncIterable<Uint8Array>)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield* part;
}
