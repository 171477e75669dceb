/**
 * A streaming tar writer: turns entries into ustar blocks on demand, with a
 * pax extended header in front of any entry whose path or link target does
 * not fit the 100-byte ustar field. It writes what it is given — links and
 * odd paths included — so tests can build the archives a registry must
 * refuse; the safety rules live in the package reader.
 */
import { streamFrom } from './streams.js';
import { BLOCK_SIZE, encodeHeader, encodePaxRecords, fitsField, paddingFor, type TarEntryType } from './tar-format.js';

/** One entry to write. */
export interface TarWriteEntry {
  path: string;
  /** Defaults to `file`. */
  type?: TarEntryType;
  /** Content of a file entry. */
  content?: Uint8Array;
  /** Permission bits; defaults to 0o644 for files and 0o755 for directories. */
  mode?: number;
  /** Seconds since the epoch; defaults to 0 so that equal inputs give equal archives. */
  mtime?: number;
  /** Target of a symlink or hardlink entry. */
  linkTarget?: string;
}

/** Writes entries as a tar archive, ending with the two-block end-of-archive marker. */
export function writeTar(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): ReadableStream<Uint8Array> {
  return streamFrom(tarBlocks(entries));
}

async function* tarBlocks(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) yield* entryBlocks(entry);
  yield new Uint8Array(BLOCK_SIZE * 2);
}

function* entryBlocks(entry: TarWriteEntry): Generator<Uint8Array> {
  const type = entry.type ?? 'file';
  const content = type === 'file' || type === 'contiguous-file' ? (entry.content ?? new Uint8Array(0)) : new Uint8Array(0);
  const mtime = entry.mtime ?? 0;
  const pax: Record<string, string> = {};
  if (!fitsField(entry.path, 100) || !isAscii(entry.path)) pax.path = entry.path;
  if (entry.linkTarget !== undefined && (!fitsField(entry.linkTarget, 100) || !isAscii(entry.linkTarget))) {
    pax.linkpath = entry.linkTarget;
  }
  if (Object.keys(pax).length > 0) {
    const records = encodePaxRecords(pax);
    yield encodeHeader({ name: paxName(entry.path), mode: 0o644, size: records.byteLength, mtime, type: 'pax-header' });
    yield* padded(records);
  }
  yield encodeHeader({
    name: pax.path === undefined ? entry.path : shortName(entry.path),
    mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
    size: content.byteLength,
    mtime,
    type,
    ...(entry.linkTarget !== undefined ? { linkName: pax.linkpath === undefined ? entry.linkTarget : shortName(entry.linkTarget) } : {}),
  });
  yield* padded(content);
}

function* padded(bytes: Uint8Array): Generator<Uint8Array> {
  if (bytes.byteLength > 0) yield bytes;
  const padding = paddingFor(bytes.byteLength);
  if (padding > 0) yield new Uint8Array(padding);
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** A placeholder that fits the ustar name field; the pax `path` record carries the real one. */
function shortName(path: string): string {
  const ascii = path.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= 99 ? ascii : ascii.slice(ascii.length - 99);
}

function paxName(path: string): string {
  const base = shortName(path).split('/').pop() ?? 'entry';
  return `PaxHeader/${base}`.slice(0, 99);
}
