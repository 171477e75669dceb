/**
 * The ustar header layout shared by the tar reader and writer: field offsets,
 * entry type flags, octal and base-256 numbers, the header checksum, and pax
 * extended-header records (used for paths longer than ustar allows).
 */

/** Size of a tar block; headers are one block, contents are padded to whole blocks. */
export const BLOCK_SIZE = 512;

/** What a tar entry is, by its type flag. */
export type TarEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'character-device'
  | 'block-device'
  | 'fifo'
  | 'contiguous-file'
  | 'pax-header'
  | 'pax-global-header'
  | 'gnu-long-name'
  | 'gnu-long-link'
  | 'unknown';

const TYPE_BY_FLAG: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
  x: 'pax-header',
  g: 'pax-global-header',
  L: 'gnu-long-name',
  K: 'gnu-long-link',
};

const FLAG_BY_TYPE: Partial<Record<TarEntryType, string>> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
  'contiguous-file': '7',
  'pax-header': 'x',
  'pax-global-header': 'g',
  'gnu-long-name': 'L',
  'gnu-long-link': 'K',
};

/** The fields of one raw header block, before pax or GNU extensions are applied. */
export interface RawTarHeader {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: TarEntryType;
  /** The raw type flag character, for messages about unknown types. */
  flag: string;
  linkName: string;
}

/** Why a header block could not be decoded. */
export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

/** True when a block is all zeros (the end-of-archive marker). */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.byteLength; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decodes one 512-byte header block; throws TarFormatError on a bad checksum or number. */
export function decodeHeader(block: Uint8Array): RawTarHeader {
  const stored = readNumber(block, 148, 8);
  if (stored !== checksum(block)) throw new TarFormatError('tar header checksum mismatch');
  const flag = String.fromCharCode(block[156] ?? 0);
  const magic = readString(block, 257, 6);
  const prefix = magic.startsWith('ustar') && block[263] === 0x30 ? readString(block, 345, 155) : '';
  const name = readString(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    mode: readNumber(block, 100, 8),
    size: readNumber(block, 124, 12),
    mtime: readNumber(block, 136, 12),
    type: TYPE_BY_FLAG[flag] ?? 'unknown',
    flag,
    linkName: readString(block, 157, 100),
  };
}

/** What the writer puts in one header block. Names must fit: long ones go in a pax header first. */
export interface HeaderFields {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: TarEntryType;
  linkName?: string;
}

/** Encodes one ustar header block. Throws TarFormatError when a name or number does not fit. */
export function encodeHeader(fields: HeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK_SIZE);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, Math.floor(fields.mtime));
  const flag = FLAG_BY_TYPE[fields.type];
  if (flag === undefined) throw new TarFormatError(`cannot write an entry of type ${fields.type}`);
  block[156] = flag.charCodeAt(0);
  writeString(block, 157, 100, fields.linkName ?? '');
  block.set(encoder.encode('ustar\u000000'), 257);
  block.fill(0x20, 148, 156);
  writeOctal(block, 148, 7, checksum(block));
  block[154] = 0;
  block[155] = 0x20;
  return block;
}

/** True when the text fits a ustar field of `length` bytes (as UTF-8, leaving room for nothing else). */
export function fitsField(text: string, length: number): boolean {
  return encoder.encode(text).byteLength <= length && !text.includes('\0');
}

/** Encodes pax extended-header records (`"<len> key=value\n"` each). */
export function encodePaxRecords(records: Record<string, string>): Uint8Array {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const bodyLength = encoder.encode(body).byteLength;
    let length = bodyLength + String(bodyLength).length;
    if (String(length).length !== String(bodyLength).length) length = bodyLength + String(length).length;
    text += `${length}${body}`;
  }
  return encoder.encode(text);
}

/**
 * Decodes pax extended-header records in one pass, keeping only the keys in
 * `wanted` (later records override earlier ones); throws TarFormatError when
 * a record is malformed.
 */
export function decodePaxRecords(bytes: Uint8Array, wanted: ReadonlySet<string>): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < bytes.byteLength) {
    let space = offset;
    while (space < bytes.byteLength && space - offset <= 20 && bytes[space] !== 0x20) space++;
    const length = bytes[space] === 0x20 ? Number(decoder.decode(bytes.subarray(offset, space))) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - offset + 1 || offset + length > bytes.byteLength || bytes[offset + length - 1] !== 0x0a) {
      if (isZeroBlock(bytes.subarray(offset))) break;
      throw new TarFormatError('malformed pax extended header');
    }
    const record = bytes.subarray(space + 1, offset + length - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw new TarFormatError('malformed pax extended header record');
    const key = decoder.decode(record.subarray(0, equals));
    if (wanted.has(key)) records.set(key, decoder.decode(record.subarray(equals + 1)));
    offset += length;
  }
  return records;
}

/** Number of padding bytes after `size` bytes of content. */
export function paddingFor(size: number): number {
  const rest = size % BLOCK_SIZE;
  return rest === 0 ? 0 : BLOCK_SIZE - rest;
}

function checksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && block[end] !== 0) end++;
  return decoder.decode(block.subarray(offset, end));
}

function readNumber(block: Uint8Array, offset: number, length: number): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + (block[i] ?? 0);
    if (!Number.isSafeInteger(value)) throw new TarFormatError('tar header number out of range');
    return value;
  }
  const text = readString(block, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`invalid octal number in tar header: ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function writeString(block: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.byteLength > length) throw new TarFormatError(`"${text}" does not fit a ${length}-byte tar header field`);
  block.set(bytes, offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  const text = value.toString(8);
  if (!Number.isSafeInteger(value) || value < 0 || text.length > length - 1) {
    throw new TarFormatError(`${value} does not fit a ${length}-byte tar header number`);
  }
  writeString(block, offset, length, text.padStart(length - 1, '0'));
}
