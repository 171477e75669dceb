/**
 * A tar writer for fuzzing, independent of the project's: it writes any
 * header field as given (names that do not fit, bad octal, base-256 numbers,
 * unknown type flags, broken checksums), pax and GNU extension entries with
 * any records, and fixes header checksums after a mutation, so that the
 * reader's own checks are what refuses a crafted archive.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export const BLOCK = 512;
const encoder = new TextEncoder();

/** The ustar header fields by offset and length. */
export const FIELDS = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  type: [156, 1],
  linkName: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

export type FieldName = keyof typeof FIELDS;

/** What one raw header holds; text is UTF-8 encoded and cut to the field, numbers are written in octal. */
export interface RawHeader {
  name: string;
  /** Type flag character (`0` file, `5` directory, `x` pax, `L` GNU long name, …). */
  type: string;
  /** Content size; a string is written as is (to write bad numbers). */
  size: number | string;
  mode?: number | string;
  mtime?: number | string;
  linkName?: string;
  /** Default `ustar\0` + `00`; `gnu` writes `ustar  \0`, `none` leaves it empty. */
  magic?: 'ustar' | 'gnu' | 'none';
  prefix?: string;
  /** Leave the checksum wrong on purpose. */
  badChecksum?: boolean;
}

/** Writes `bytes` into a field, cut to its length. */
export function setField(block: Uint8Array, field: FieldName, bytes: Uint8Array | string): void {
  const [offset, length] = FIELDS[field];
  const data = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
  block.fill(0, offset, offset + length);
  block.set(data.subarray(0, length), offset);
}

/** Recomputes the checksum of the header block at `offset` in place (nothing when no whole block is there). */
export function fixChecksum(block: Uint8Array, offset = 0): void {
  if (offset < 0 || offset + BLOCK > block.byteLength) return;
  block.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[offset + i] ?? 0;
  const text = sum.toString(8).padStart(6, '0');
  block.set(encoder.encode(text), offset + 148);
  block[offset + 154] = 0;
  block[offset + 155] = 0x20;
}

function octal(value: number | string, length: number): string {
  return typeof value === 'string' ? value : value.toString(8).padStart(length - 1, '0');
}

/** One header block. */
export function headerBlock(header: RawHeader): Uint8Array {
  const block = new Uint8Array(BLOCK);
  setField(block, 'name', header.name);
  setField(block, 'mode', octal(header.mode ?? 0o644, 8));
  setField(block, 'uid', octal(0, 8));
  setField(block, 'gid', octal(0, 8));
  setField(block, 'size', octal(header.size, 12));
  setField(block, 'mtime', octal(header.mtime ?? 0, 12));
  setField(block, 'type', header.type.slice(0, 1) || '\0');
  setField(block, 'linkName', header.linkName ?? '');
  if (header.magic !== 'none') {
    setField(block, 'magic', header.magic === 'gnu' ? 'ustar ' : 'ustar\0');
    setField(block, 'version', header.magic === 'gnu' ? ' \0' : '00');
  }
  setField(block, 'prefix', header.prefix ?? '');
  fixChecksum(block);
  if (header.badChecksum) block[148] = block[148] === 0x31 ? 0x32 : 0x31;
  return block;
}

/** Content followed by zeros up to the next block boundary. */
export function padded(content: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(content.byteLength / BLOCK) * BLOCK);
  out.set(content, 0);
  return out;
}

/** Pax records `"<len> key=value\n"` with correct lengths. */
export function paxRecords(records: readonly (readonly [string, string])[]): Uint8Array {
  let text = '';
  for (const [key, value] of records) {
    const body = ` ${key}=${value}\n`;
    const bodyLength = encoder.encode(body).byteLength;
    let length = bodyLength + String(bodyLength).length;
    if (String(length).length !== String(bodyLength).length) length = bodyLength + String(length).length;
    text += `${length}${body}`;
  }
  return encoder.encode(text);
}

/** A header and its padded content; the header's size is the content's unless given. */
export function entry(header: Omit<RawHeader, 'size'> & { size?: number | string }, content: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat([headerBlock({ ...header, size: header.size ?? content.byteLength }), padded(content)]);
}

/** A regular file entry, with a pax `path` record in front when the path does not fit the name field as ASCII. */
export function fileEntry(path: string, content: Uint8Array | string, type = '0'): Uint8Array {
  const bytes = typeof content === 'string' ? encoder.encode(content) : content;
  const fits = /^[\x20-\x7e]*$/.test(path) && path.length <= 100;
  const body = entry({ name: fits ? path : 'placeholder', type }, type === '0' ? bytes : new Uint8Array(0));
  return fits ? body : concat([entry({ name: 'PaxHeader/entry', type: 'x' }, paxRecords([['path', path]])), body]);
}

/** The end-of-archive marker. */
export function endMarker(): Uint8Array {
  return new Uint8Array(BLOCK * 2);
}

/** Bytes joined. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** gzip of bytes (fast setting: the fuzz cases only need well-formed gzip). */
export function gzipBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes, { level: 1 }));
}

/** The bytes inside well-formed gzip. */
export function gunzipBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gunzipSync(bytes));
}

/** Offsets of the header blocks of a well-formed tar (extension headers included), up to the end marker. */
export function headerOffsets(tar: Uint8Array): number[] {
  const offsets: number[] = [];
  let offset = 0;
  while (offset + BLOCK <= tar.byteLength) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    offsets.push(offset);
    const sizeText = new TextDecoder().decode(block.subarray(124, 136)).replace(/\0.*$/s, '').trim();
    const size = parseInt(sizeText || '0', 8);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return offsets;
}
