/**
 * The payload of a journal record (fs-journal.ts): a u32 big-endian header
 * length, the header JSON `{ v: 1, name, blobs: [[hex, size]], document:
 * size }`, then the blobs' bytes and the document's bytes. Decoding treats
 * the bytes as hostile: the header is bounded, every size is checked against
 * what the record holds, the plugin name and blob addresses are validated.
 */
import type { JournalChange } from './fs-journal.js';
import { assertPluginName } from './snapshot.js';

/** The largest header a record may have. */
export const MAX_HEADER_BYTES = 64 * 1024;
const BLOB_HEX = /^[0-9a-f]{64}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The record of a change: header length (u32 BE), header JSON, the blobs' bytes, the document's bytes. */
export function encodeRecord(change: JournalChange): Uint8Array[] {
  const header = encoder.encode(
    JSON.stringify({
      v: 1,
      name: change.name,
      blobs: change.blobs.map((blob) => [blob.hex, blob.bytes.byteLength]),
      document: change.snapshot.bytes.byteLength,
    }),
  );
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, header.byteLength);
  return [length, header, ...change.blobs.map((blob) => blob.bytes), change.snapshot.bytes];
}

/** A record's parts, or what is wrong with it. */
export function decodeRecord(payload: Uint8Array): { name: string; blobs: { hex: string; bytes: Uint8Array }[]; document: Uint8Array } | string {
  if (payload.byteLength < 4) return 'it is too short';
  const headerLength = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
  if (headerLength > MAX_HEADER_BYTES || 4 + headerLength > payload.byteLength) return 'its header is too large';
  let header: { v?: unknown; name?: unknown; blobs?: unknown; document?: unknown };
  try {
    header = JSON.parse(decoder.decode(payload.subarray(4, 4 + headerLength))) as typeof header;
  } catch {
    return 'its header is not JSON';
  }
  const { v, name, blobs, document } = header ?? {};
  if (v !== 1 || typeof name !== 'string' || !Array.isArray(blobs) || !Number.isSafeInteger(document)) return 'its header is not a change (version 1)';
  try {
    assertPluginName(name);
  } catch {
    return `${JSON.stringify(name.slice(0, 256))} is not a plugin name`;
  }
  let offset = 4 + headerLength;
  const parts: { hex: string; bytes: Uint8Array }[] = [];
  for (const blob of blobs as unknown[]) {
    const [hex, size] = Array.isArray(blob) ? (blob as unknown[]) : [];
    if (typeof hex !== 'string' || !BLOB_HEX.test(hex) || !Number.isSafeInteger(size) || (size as number) < 0)
      return `a blob of ${name} is not described right`;
    if (offset + (size as number) > payload.byteLength) return `the blobs of ${name} pass the end of the record`;
    parts.push({ hex, bytes: payload.subarray(offset, offset + (size as number)) });
    offset += size as number;
  }
  if (offset + (document as number) !== payload.byteLength) return `the document of ${name} does not end the record`;
  return { name, blobs: parts, document: payload.subarray(offset) };
}
