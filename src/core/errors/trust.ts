/** The errors of signed registry metadata (see docs/trust.md). */
import { PlughubError, hasName, type ErrorDetails } from './base.js';

/**
 * Signed registry metadata was refused: unsigned, signed by no trusted key,
 * below the threshold, a signature that does not verify, a payload of
 * another type, registry or plugin (mix-and-match), a broken key-rotation
 * chain, or a missing author signature.
 */
export class SignatureError extends PlughubError {
  override name = 'SignatureError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_SIGNATURE');
  }
}

/** A signed document is older than one this host has already seen (its `version` went down). */
export class RollbackError extends PlughubError {
  override name = 'RollbackError';
  /** The highest version seen before. */
  readonly seen: number;
  /** The version offered. */
  readonly offered: number;
  constructor(message: string, seen: number, offered: number, details: ErrorDetails = {}) {
    super(message, details, 'E_ROLLBACK');
    this.seen = seen;
    this.offered = offered;
  }
}

/** A signed document's `expires` time has passed. */
export class ExpiredError extends PlughubError {
  override name = 'ExpiredError';
  /** The payload's `expires`, as signed. */
  readonly expires: string;
  constructor(message: string, expires: string, details: ErrorDetails = {}) {
    super(message, details, 'E_EXPIRED');
    this.expires = expires;
  }
}

/** Type guard for SignatureError. */
export const isSignatureError = (e: unknown): e is SignatureError => hasName(e, 'SignatureError');

/** Type guard for RollbackError. */
export const isRollbackError = (e: unknown): e is RollbackError => hasName(e, 'RollbackError');

/** Type guard for ExpiredError. */
export const isExpiredError = (e: unknown): e is ExpiredError => hasName(e, 'ExpiredError');
