/**
 * The `.plg` package format, platform-neutral: a streaming tar reader and
 * writer, gzip through CompressionStream / DecompressionStream, the path
 * rules, and `readPlg` / `packPlg` for whole packages. The registry server
 * reads uploads with it; the CLI's `pack` writes them.
 */
export { PackageError, isPackageError, type PackageErrorCode } from './errors.js';
export { gunzip, gzip, looksLikeGzip } from './gzip.js';
export { EntryPathSet, MAX_PATH_DEPTH, MAX_PATH_LENGTH, normalizeEntryPath } from './paths.js';
export { DEFAULT_PLG_LIMITS, bytesToStream, packPlg, readPlg, readPlgTar, type PlgFile, type PlgLimits, type PlgPackage } from './package.js';
export { ErrorLatch, byteLimit, collectBytes, concatBytes, guardSource, iterateBytes, streamFrom, type ByteSource } from './streams.js';
export { BLOCK_SIZE, type TarEntryType } from './tar-format.js';
export { MAX_EXTENSION_BYTES, readTar, type TarEntry, type TarReadLimits } from './tar-reader.js';
export { PACKAGE_TEXT_FILES, checkTextFile, checkTextFileSize, packageTextFile, type PackageTextFile } from './text-files.js';
export { writeTar, type TarWriteEntry } from './tar-writer.js';
