/** The errors of a platform cache's files. */
import { PlughubError, hasName, registerErrorName, type ErrorDetails } from './base.js';

/** Why a cache file was refused. */
export type CacheFileProblem = 'not-regular' | 'symlink' | 'too-large' | 'timeout';

/**
 * A file in a cache directory was refused: not a regular file (a FIFO, a
 * directory, a socket, a device), a symbolic link, larger than allowed, or
 * not read in time. The cache treats it as a miss where it can.
 */
export class CacheFileError extends PlughubError {
  override name = 'CacheFileError';
  readonly path: string;
  readonly problem: CacheFileProblem;
  constructor(message: string, path: string, problem: CacheFileProblem, details: ErrorDetails = {}) {
    super(message, details, 'E_CACHE_FILE');
    this.path = path;
    this.problem = problem;
  }
}

registerErrorName('CacheFileError');

/** Type guard for CacheFileError. */
export const isCacheFileError = (e: unknown): e is CacheFileError => hasName(e, 'CacheFileError');
