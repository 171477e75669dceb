/** The reasons a call context's signal aborts: cancelled, past its deadline, its plugin unloaded. */
import { PlughubError, hasName, type ErrorDetails } from './base.js';

/** The reason a context's signal aborts when `cancel()` is called. */
export class CancelledError extends PlughubError {
  override name = 'CancelledError';
  constructor(message = 'context cancelled', details: ErrorDetails = {}) {
    super(message, details, 'E_CANCELLED');
  }
}

/** The reason a context's signal aborts when its deadline passes. */
export class DeadlineExceededError extends PlughubError {
  override name = 'DeadlineExceededError';
  readonly deadline: number;
  constructor(message: string, deadline: number, details: ErrorDetails = {}) {
    super(message, details, 'E_DEADLINE');
    this.deadline = deadline;
  }
}

/** The reason a context's signal aborts when its plugin is unloaded. */
export class UnloadedError extends PlughubError {
  override name = 'UnloadedError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_UNLOADED');
  }
}

/** Type guard for CancelledError. */
export const isCancelledError = (e: unknown): e is CancelledError => hasName(e, 'CancelledError');

/** Type guard for DeadlineExceededError. */
export const isDeadlineExceededError = (e: unknown): e is DeadlineExceededError => hasName(e, 'DeadlineExceededError');

/** Type guard for UnloadedError. */
export const isUnloadedError = (e: unknown): e is UnloadedError => hasName(e, 'UnloadedError');
