/**
 * The error a `.plg` package raises when its bytes are not a package plughub
 * accepts: not gzip, a corrupt or truncated tar, an entry that is not a
 * regular file or directory, an unsafe or duplicate path, no plugin.json, or
 * a manifest whose bundle is missing, a README, CHANGELOG or LICENSE that is
 * not UTF-8. Size limits raise the core
 * SizeLimitError instead, and an invalid plugin.json the core ManifestError.
 */
import { PlughubError, registerErrorName, type ErrorDetails } from '../errors/index.js';

/** The stable codes a PackageError carries, one per kind of problem. */
export type PackageErrorCode =
  /** The bytes are not gzip-compressed. */
  | 'E_NOT_GZIP'
  /** The gzip or tar data is corrupt or truncated. */
  | 'E_BAD_ARCHIVE'
  /** A link, device or other non-regular entry, or an absolute, `..` or otherwise unsafe path. */
  | 'E_UNSAFE_ENTRY'
  /** Two entries with the same path, also when they differ only in letter case. */
  | 'E_DUPLICATE_ENTRY'
  /** No plugin.json at the root of the package. */
  | 'E_MISSING_MANIFEST'
  /** plugin.json names a bundle (`source.path`) the package does not hold. */
  | 'E_MISSING_BUNDLE'
  /** README.md, CHANGELOG.md or LICENSE is not UTF-8 text. */
  | 'E_BAD_TEXT_FILE';

/** A `.plg` package (or the tar inside it) that plughub refuses. */
export class PackageError extends PlughubError {
  override name = 'PackageError';
  declare readonly code: PackageErrorCode;
  /** The entry path concerned, when there is one. */
  readonly entry?: string;

  constructor(message: string, code: PackageErrorCode, details: ErrorDetails & { entry?: string } = {}) {
    super(message, details, code);
    if (details.entry !== undefined) this.entry = details.entry;
  }
}

registerErrorName('PackageError');

/** Type guard for PackageError that also works across realms. */
export const isPackageError = (error: unknown): error is PackageError =>
  typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'PackageError';
