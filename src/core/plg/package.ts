/**
 * The `.plg` package: a gzip-compressed tar with `plugin.json` at its root and
 * the files it names. `readPlg` unpacks one from a stream with every limit
 * checked while the bytes flow (compressed size, each file, plugin.json, the
 * unpacked total, the entry count), refuses anything but regular files and
 * directories, unsafe and duplicate paths, validates plugin.json with the
 * core schema, checks that the bundle it names is there and that README.md,
 * CHANGELOG.md and LICENSE, when present, are UTF-8 within their limits
 * (text-files.ts). `packPlg` writes
 * one from files in memory (the CLI's `pack`, and tests).
 */
import { ManifestError, PlughubError, SizeLimitError } from '../errors/index.js';
import { parseManifest, type Manifest } from '../plugin/index.js';
import { PackageError } from './errors.js';
import { gunzip, gzip } from './gzip.js';
import { EntryPathSet, normalizeEntryPath, shownPath } from './paths.js';
import { ErrorLatch, byteLimit, coalesce, concatBytes, guardSource, streamFrom, type ByteSource } from './streams.js';
import { readTar } from './tar-reader.js';
import { checkTextFile, checkTextFileSize } from './text-files.js';
import { writeTar, type TarWriteEntry } from './tar-writer.js';

/** The size limits a package must stay within, in bytes (entries: a count). */
export interface PlgLimits {
  /** The compressed package as uploaded. */
  maxPackageBytes: number;
  /** Any one file, unpacked. */
  maxFileBytes: number;
  /** The whole unpacked tar stream (file contents plus tar headers): what a gzip bomb inflates. */
  maxUnpackedBytes: number;
  /** Entries in the archive, counting the pax and GNU extension headers in front of them. */
  maxEntries: number;
  /** plugin.json, unpacked: it is parsed whole, and what it says is stored and listed. */
  maxManifestBytes: number;
}

/** 10 MiB compressed, 10 MiB per file, 20 MiB unpacked, 1000 entries, 64 KiB of plugin.json. */
export const DEFAULT_PLG_LIMITS: Readonly<PlgLimits> = Object.freeze({
  maxPackageBytes: 10 * 1024 * 1024,
  maxFileBytes: 10 * 1024 * 1024,
  maxUnpackedBytes: 20 * 1024 * 1024,
  maxEntries: 1000,
  maxManifestBytes: 64 * 1024,
});

/** An unpacked, checked package. */
export interface PlgPackage {
  /** plugin.json as written in the package (unknown fields included). */
  manifestJson: Record<string, unknown>;
  /** plugin.json as the core schema parses it. */
  manifest: Manifest;
  /** Every regular file by its normalized path (`plugin.json`, `dist/index.js`, …). */
  files: Map<string, Uint8Array>;
  /** The bytes of the bundle that `manifest.source.path` names. */
  bundle: Uint8Array;
}

/** Compressed input is decompressed in blocks of at least this many bytes, however small the chunks it arrives in. */
const READ_BLOCK_BYTES = 64 * 1024;

/**
 * Unpacks and checks a `.plg` package. Throws SizeLimitError (E_TOO_LARGE)
 * when a limit is passed — as soon as it is passed, without reading the rest —
 * PackageError for archives it refuses, and ManifestError for an invalid
 * plugin.json. An error raised by `source` itself (an aborted upload) is
 * rethrown unchanged when it is a PlughubError, else as E_BAD_ARCHIVE.
 * `strictManifest: false` checks plugin.json with the bounds of the read
 * path (parseManifest's `strict: false`), for packages built before the
 * publish bounds; publishing always checks strictly.
 */
export async function readPlg(
  source: ReadableStream<Uint8Array>,
  limits: PlgLimits = DEFAULT_PLG_LIMITS,
  options: { strictManifest?: boolean } = {},
): Promise<PlgPackage> {
  const latch = new ErrorLatch();
  const guarded = guardSource(source, latch, (error) =>
    error instanceof PlughubError ? error : new PackageError('the upload was interrupted', 'E_BAD_ARCHIVE', { cause: error }),
  );
  const compressed = guarded.pipeThrough(byteLimit(limits.maxPackageBytes, 'the compressed package', latch)).pipeThrough(coalesce(READ_BLOCK_BYTES));
  const unpacked = gunzip(compressed, latch).pipeThrough(byteLimit(limits.maxUnpackedBytes, 'the unpacked package', latch));
  let files: Map<string, Uint8Array>;
  try {
    files = await collectEntries(unpacked, limits);
  } catch (error) {
    const first = latch.recorded?.error;
    if (first !== undefined) throw first;
    if (error instanceof PlughubError) throw error;
    throw new PackageError('the gzip data is corrupt or truncated', 'E_BAD_ARCHIVE', { cause: error });
  }
  return checkContents(files, options.strictManifest ?? true);
}

/**
 * Checks a `.plg` package whose tar is already unpacked in memory (the
 * caller inflated the gzip layer, bounded by `limits.maxUnpackedBytes`, as
 * the server does in one call for small uploads): the same checks, limits and
 * errors as readPlg, without a stream. Throws SizeLimitError when `tar` is
 * larger than `limits.maxUnpackedBytes`.
 */
export async function readPlgTar(tar: Uint8Array, limits: PlgLimits = DEFAULT_PLG_LIMITS, options: { strictManifest?: boolean } = {}): Promise<PlgPackage> {
  if (tar.byteLength > limits.maxUnpackedBytes) {
    throw new SizeLimitError(`the unpacked package exceeds the limit of ${limits.maxUnpackedBytes} bytes`, limits.maxUnpackedBytes);
  }
  let files: Map<string, Uint8Array>;
  try {
    files = await collectEntries([tar], limits);
  } catch (error) {
    if (error instanceof PlughubError) throw error;
    throw new PackageError('the tar archive is corrupt', 'E_BAD_ARCHIVE', { cause: error });
  }
  return checkContents(files, options.strictManifest ?? true);
}

async function collectEntries(unpacked: ByteSource, limits: PlgLimits): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const paths = new EntryPathSet();
  for await (const entry of readTar(unpacked, { maxEntryBytes: limits.maxFileBytes, maxEntries: limits.maxEntries })) {
    if (entry.type !== 'file' && entry.type !== 'directory') {
      const what = entry.type === 'unknown' ? 'an entry of an unknown type' : `a ${entry.type.replace('-', ' ')}`;
      const target = entry.linkTarget === undefined ? '' : ` to ${shownPath(entry.linkTarget)}`;
      throw new PackageError(`${shownPath(entry.path)} is ${what}${target}: a package holds only regular files and directories`, 'E_UNSAFE_ENTRY', {
        entry: entry.path,
      });
    }
    const path = normalizeEntryPath(entry.path);
    if (path === '') {
      if (entry.type === 'directory') continue;
      throw new PackageError(`an entry has an empty path`, 'E_UNSAFE_ENTRY', { entry: entry.path });
    }
    paths.add(path, entry.type === 'directory');
    if (entry.type === 'directory') continue;
    if (path === 'plugin.json' && entry.size > limits.maxManifestBytes) {
      throw new SizeLimitError(
        `plugin.json: ${entry.size} bytes exceed the limit of ${limits.maxManifestBytes} bytes for plugin.json`,
        limits.maxManifestBytes,
      );
    }
    checkTextFileSize(path, entry.size);
    const chunks: Uint8Array[] = [];
    for await (const chunk of entry.content()) chunks.push(chunk.slice());
    const content = concatBytes(chunks, entry.size);
    checkTextFile(path, content);
    files.set(path, content);
  }
  return files;
}

function checkContents(files: Map<string, Uint8Array>, strictManifest: boolean): PlgPackage {
  const raw = files.get('plugin.json');
  if (raw === undefined) {
    throw new PackageError('the package has no plugin.json at its root', 'E_MISSING_MANIFEST');
  }
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (error) {
    throw new ManifestError(
      `plugin.json is not valid JSON: ${(error as Error).message}`,
      [{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }],
      { cause: error },
    );
  }
  const manifest = parseManifest(manifestJson, {}, { strict: strictManifest });
  const bundlePath = normalizeEntryPath(manifest.source.path);
  const bundle = files.get(bundlePath);
  if (bundle === undefined) {
    throw new PackageError(
      `${manifest.name}@${manifest.version}: plugin.json names the bundle ${JSON.stringify(manifest.source.path)}, which the package does not hold`,
      'E_MISSING_BUNDLE',
      { plugin: manifest.name, version: manifest.version, entry: manifest.source.path },
    );
  }
  return { manifestJson: manifestJson as Record<string, unknown>, manifest, files, bundle };
}

/** A file to pack: its path inside the package and its bytes (strings are UTF-8 encoded). */
export interface PlgFile {
  path: string;
  content: Uint8Array | string;
}

/**
 * Writes a `.plg` package stream from files: plugin.json first, then the rest
 * in path order, with directories implied (no directory entries) and fixed
 * timestamps so that the same files always give the same bytes. Paths and
 * the text files (README.md, CHANGELOG.md, LICENSE) are checked with the
 * same rules the reader applies.
 */
export function packPlg(files: Iterable<PlgFile>): ReadableStream<Uint8Array> {
  const paths = new EntryPathSet();
  const entries: TarWriteEntry[] = [];
  const encoder = new TextEncoder();
  for (const file of files) {
    const path = normalizeEntryPath(file.path);
    if (path === '') throw new PackageError('a file to pack has an empty path', 'E_UNSAFE_ENTRY');
    paths.add(path, false);
    const content = typeof file.content === 'string' ? encoder.encode(file.content) : file.content;
    checkTextFile(path, content);
    entries.push({ path, content });
  }
  entries.sort((a, b) => rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return gzip(writeTar(entries));
}

function rank(path: string): number {
  return path === 'plugin.json' ? 0 : 1;
}

/** Builds a ReadableStream from bytes or chunks, for passing a package in memory to readPlg. */
export function bytesToStream(bytes: Uint8Array | Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  return streamFrom(bytes instanceof Uint8Array ? [bytes] : bytes);
}
