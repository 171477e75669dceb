/**
 * A streaming tar reader: yields one entry at a time as bytes arrive, with
 * pax extended headers and GNU long names applied, and lets the consumer read
 * each entry's content in chunks. Nothing is buffered beyond the current
 * block and one extension header (at most MAX_EXTENSION_BYTES), so the
 * caller's byte limits hold while the archive streams, and the work per byte
 * is constant: of a pax header only `path`, `linkpath` and `size` are kept,
 * and every header block — extension headers included — counts against
 * `maxEntries`. Corrupt or truncated archives raise PackageError
 * E_BAD_ARCHIVE; an entry larger than `maxEntryBytes`, or more headers than
 * `maxEntries`, raise SizeLimitError before the content is read.
 */
import { SizeLimitError } from '../errors/index.js';
import { PackageError } from './errors.js';
import { shownPath } from './paths.js';
import { iterateBytes, type ByteSource } from './streams.js';
import { BLOCK_SIZE, TarFormatError, decodeHeader, decodePaxRecords, isZeroBlock, paddingFor, type RawTarHeader, type TarEntryType } from './tar-format.js';

/** One entry of a tar archive, as its headers describe it. */
export interface TarEntry {
  /** The path as stored (after pax / GNU long-name headers), not normalized. */
  path: string;
  type: TarEntryType;
  /** Content size in bytes. */
  size: number;
  mode: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** Target of a symlink or hardlink. */
  linkTarget?: string;
  /** The entry's content in chunks; read it before asking for the next entry, or it is skipped. */
  content(): AsyncGenerator<Uint8Array, void, undefined>;
}

/** Limits the reader enforces while it streams. */
export interface TarReadLimits {
  /** Largest content of one entry; checked against the header before the content is read. */
  maxEntryBytes?: number;
  /** Most header blocks: entries, and the pax and GNU extension headers in front of them. */
  maxEntries?: number;
}

/** The largest pax or GNU extension header accepted, in bytes: room for a path and a link target of MAX_PATH_LENGTH characters and the usual time and attribute records. */
export const MAX_EXTENSION_BYTES = 16 * 1024;

/** The pax records the reader applies; every other record is read past and dropped. */
const PAX_KEYS: ReadonlySet<string> = new Set(['path', 'linkpath', 'size']);

/**
 * Reads a tar archive entry by entry. After the end-of-archive marker the rest
 * of the source is read and ignored, so that a compression layer below gets to
 * check its trailer (gzip's CRC and length).
 */
export async function* readTar(source: ByteSource, limits: TarReadLimits = {}): AsyncGenerator<TarEntry, void, undefined> {
  const blocks = new BlockReader(iterateBytes(source));
  let headers = 0;
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    while (true) {
      const block = await blocks.read(BLOCK_SIZE);
      if (block === undefined) throw new PackageError('the tar archive ends without its end-of-archive marker', 'E_BAD_ARCHIVE');
      if (isZeroBlock(block)) break;
      headers++;
      if (limits.maxEntries !== undefined && headers > limits.maxEntries) {
        throw new SizeLimitError(`the archive has more than ${limits.maxEntries} entries (pax and GNU extension headers count as entries)`, limits.maxEntries);
      }
      const header = decode(block);
      if (header.type === 'pax-header' || header.type === 'gnu-long-name' || header.type === 'gnu-long-link' || header.type === 'pax-global-header') {
        const bytes = await readExtension(blocks, header);
        if (header.type === 'pax-header') for (const [key, value] of parsePax(bytes)) pax.set(key, value);
        else if (header.type === 'gnu-long-name') longName = cString(bytes);
        else if (header.type === 'gnu-long-link') longLink = cString(bytes);
        continue;
      }
      const paxSize = pax.get('size');
      const size = paxSize !== undefined ? parseSize(paxSize) : header.size;
      const path = pax.get('path') ?? longName ?? header.name;
      const linkTarget = pax.get('linkpath') ?? longLink ?? (header.linkName || undefined);
      pax = new Map();
      longName = undefined;
      longLink = undefined;
      const hasContent = header.type !== 'directory' && header.type !== 'symlink' && header.type !== 'hardlink';
      const contentSize = hasContent ? size : 0;
      if (limits.maxEntryBytes !== undefined && contentSize > limits.maxEntryBytes) {
        throw new SizeLimitError(`${shownPath(path)}: ${contentSize} bytes exceed the limit of ${limits.maxEntryBytes} bytes per file`, limits.maxEntryBytes);
      }
      let remaining = contentSize;
      const entry: TarEntry = {
        path,
        type: header.type,
        size: contentSize,
        mode: header.mode,
        mtime: header.mtime,
        ...(linkTarget !== undefined ? { linkTarget } : {}),
        async *content() {
          while (remaining > 0) {
            const chunk = await blocks.readUpTo(remaining);
            if (chunk === undefined) throw truncated(path);
            remaining -= chunk.byteLength;
            yield chunk;
          }
        },
      };
      yield entry;
      if (remaining > 0 && !(await blocks.skip(remaining))) throw truncated(path);
      if (!(await blocks.skip(paddingFor(contentSize)))) throw truncated(path);
    }
    while ((await blocks.readUpTo(Number.MAX_SAFE_INTEGER)) !== undefined);
  } finally {
    await blocks.close();
  }
}

function decode(block: Uint8Array): RawTarHeader {
  try {
    return decodeHeader(block);
  } catch (error) {
    if (error instanceof TarFormatError) throw new PackageError(`the tar archive is corrupt: ${error.message}`, 'E_BAD_ARCHIVE', { cause: error });
    throw error;
  }
}

function parsePax(bytes: Uint8Array): Map<string, string> {
  try {
    return decodePaxRecords(bytes, PAX_KEYS);
  } catch (error) {
    throw new PackageError(`the tar archive is corrupt: ${(error as Error).message}`, 'E_BAD_ARCHIVE', { cause: error });
  }
}

async function readExtension(blocks: BlockReader, header: RawTarHeader): Promise<Uint8Array> {
  if (header.size > MAX_EXTENSION_BYTES) {
    throw new PackageError(`a tar extension header of ${header.size} bytes is larger than the ${MAX_EXTENSION_BYTES} allowed`, 'E_BAD_ARCHIVE');
  }
  const bytes = header.size === 0 ? new Uint8Array(0) : await blocks.read(header.size);
  if (bytes === undefined || !(await blocks.skip(paddingFor(header.size)))) throw truncated('extension header');
  return bytes;
}

function parseSize(text: string): number {
  const size = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(size)) {
    throw new PackageError(`the tar archive is corrupt: invalid pax size ${JSON.stringify(text)}`, 'E_BAD_ARCHIVE');
  }
  return size;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function truncated(what: string): PackageError {
  return new PackageError(`the tar archive is truncated (in ${what})`, 'E_BAD_ARCHIVE');
}

/** Reads exact byte counts out of a chunk iterator, keeping at most one partial chunk. */
class BlockReader {
  #chunks: AsyncGenerator<Uint8Array, void, undefined>;
  #current: Uint8Array = new Uint8Array(0);
  #ended = false;

  constructor(chunks: AsyncGenerator<Uint8Array, void, undefined>) {
    this.#chunks = chunks;
  }

  /** Exactly `size` bytes; undefined at the end of input before any byte; throws when the input ends midway. */
  async read(size: number): Promise<Uint8Array | undefined> {
    const first = await this.readUpTo(size);
    if (first === undefined || first.byteLength === size) return first;
    const out = new Uint8Array(size);
    out.set(first, 0);
    let filled = first.byteLength;
    while (filled < size) {
      const chunk = await this.readUpTo(size - filled);
      if (chunk === undefined) throw truncated('header');
      out.set(chunk, filled);
      filled += chunk.byteLength;
    }
    return out;
  }

  /** Between 1 and `size` bytes, without copying; undefined at the end of input. */
  async readUpTo(size: number): Promise<Uint8Array | undefined> {
    while (this.#current.byteLength === 0) {
      if (this.#ended) return undefined;
      const { done, value } = await this.#chunks.next();
      if (done) {
        this.#ended = true;
        return undefined;
      }
      this.#current = value;
    }
    const out = this.#current.subarray(0, size);
    this.#current = this.#current.subarray(out.byteLength);
    return out;
  }

  /** Skips `size` bytes; false when the input ends first. */
  async skip(size: number): Promise<boolean> {
    let left = size;
    while (left > 0) {
      const chunk = await this.readUpTo(left);
      if (chunk === undefined) return false;
      left -= chunk.byteLength;
    }
    return true;
  }

  /** Stops reading the input (cancelling a stream source). */
  async close(): Promise<void> {
    await this.#chunks.return();
  }
}
