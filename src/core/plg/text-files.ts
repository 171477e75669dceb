/**
 * The text files a `.plg` package may carry beside plugin.json and the
 * bundle — `README.md`, `CHANGELOG.md` and `LICENSE` — for a registry to keep
 * and show with the version. Each has a size limit, checked when a package
 * is packed and again when one is read (from its tar header, before its
 * bytes are read), and must be UTF-8 text, since a registry serves it as
 * such.
 */
import { SizeLimitError } from '../errors/index.js';
import { PackageError } from './errors.js';

/** What a package text file is and how large it may be. */
export interface PackageTextFile {
  /** Its path at the root of the package. */
  path: string;
  /** Its largest size, in bytes. */
  maxBytes: number;
  /** The media type a registry serves it with. */
  contentType: string;
}

/** README.md and CHANGELOG.md: 512 KiB each; LICENSE: 64 KiB. */
export const PACKAGE_TEXT_FILES: readonly Readonly<PackageTextFile>[] = Object.freeze([
  Object.freeze({ path: 'README.md', maxBytes: 512 * 1024, contentType: 'text/markdown; charset=utf-8' }),
  Object.freeze({ path: 'CHANGELOG.md', maxBytes: 512 * 1024, contentType: 'text/markdown; charset=utf-8' }),
  Object.freeze({ path: 'LICENSE', maxBytes: 64 * 1024, contentType: 'text/plain; charset=utf-8' }),
]);

const BY_PATH = new Map(PACKAGE_TEXT_FILES.map((file) => [file.path, file]));

/** The text file at `path` (a normalized package path), or undefined when `path` is not one. */
export function packageTextFile(path: string): Readonly<PackageTextFile> | undefined {
  return BY_PATH.get(path);
}

/** Throws SizeLimitError when a text file of `size` bytes at `path` passes its limit; other paths pass. */
export function checkTextFileSize(path: string, size: number): void {
  const file = BY_PATH.get(path);
  if (file !== undefined && size > file.maxBytes) {
    throw new SizeLimitError(`${path}: ${size} bytes exceed the limit of ${file.maxBytes} bytes for ${path} in a package`, file.maxBytes);
  }
}

/** Throws PackageError E_BAD_TEXT_FILE when a text file's bytes are not UTF-8 (checkTextFileSize applies too); other paths pass. */
export function checkTextFile(path: string, bytes: Uint8Array): void {
  if (!BY_PATH.has(path)) return;
  checkTextFileSize(path, bytes.byteLength);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new PackageError(`${path} is not UTF-8 text: a package's ${path} must be`, 'E_BAD_TEXT_FILE', { entry: path, cause: error });
  }
}
