/** The errors of checking bytes: an integrity that does not match, a download past its size limit. */
import { PlughubError, hasName, type ErrorDetails } from './base.js';

/** Bytes do not match the integrity that vouches for them, or the integrity string is unusable. */
export class IntegrityError extends PlughubError {
  override name = 'IntegrityError';
  readonly expected?: string;
  readonly actual?: string;
  constructor(message: string, details: ErrorDetails & { expected?: string; actual?: string } = {}) {
    super(message, details, 'E_INTEGRITY');
    if (details.expected !== undefined) this.expected = details.expected;
    if (details.actual !== undefined) this.actual = details.actual;
  }
}

/** A download or document exceeded its size limit and was aborted. */
export class SizeLimitError extends PlughubError {
  override name = 'SizeLimitError';
  readonly limit: number;
  constructor(message: string, limit: number, details: ErrorDetails = {}) {
    super(message, details, 'E_TOO_LARGE');
    this.limit = limit;
  }
}

/** Type guard for IntegrityError. */
export const isIntegrityError = (e: unknown): e is IntegrityError => hasName(e, 'IntegrityError');

/** Type guard for SizeLimitError. */
export const isSizeLimitError = (e: unknown): e is SizeLimitError => hasName(e, 'SizeLimitError');
