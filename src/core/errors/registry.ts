/** The errors of talking to a registry: resolving a range, the request, the document's shape, a refused redirect. */
import { PlughubError, hasName, registerErrorName, type ErrorDetails } from './base.js';

/** No published version satisfies the requested range or tag. */
export class ResolveError extends PlughubError {
  override name = 'ResolveError';
  readonly available: string[];
  constructor(message: string, available: string[], details: ErrorDetails = {}) {
    super(message, details, 'E_RESOLVE');
    this.available = available;
  }
}

/** A request to the registry failed: network, HTTP status, or an unusable answer. */
export class RegistryError extends PlughubError {
  override name = 'RegistryError';
  readonly method: string;
  readonly status?: number;
  /** The `error.code` the registry sent, when it sent one. */
  readonly serverCode?: string;
  /** True when the registry could not be reached at all. */
  readonly unreachable: boolean;
  constructor(message: string, details: ErrorDetails & { method: string; status?: number; serverCode?: string; unreachable?: boolean }) {
    super(message, details, 'E_REGISTRY');
    this.method = details.method;
    if (details.status !== undefined) this.status = details.status;
    if (details.serverCode !== undefined) this.serverCode = details.serverCode;
    this.unreachable = details.unreachable ?? false;
  }
}

/** A registry document or answer does not have the shape the API promises. */
export class DocumentError extends PlughubError {
  override name = 'DocumentError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_DOCUMENT');
  }
}

/** Type guard for ResolveError. */
export const isResolveError = (e: unknown): e is ResolveError => hasName(e, 'ResolveError');

/** Type guard for RegistryError. */
export const isRegistryError = (e: unknown): e is RegistryError => hasName(e, 'RegistryError');

/** Type guard for DocumentError. */
export const isDocumentError = (e: unknown): e is DocumentError => hasName(e, 'DocumentError');

/**
 * A write to a registry (publish, yank, un-yank) was answered with a
 * redirect. It is never followed: the token does not go to another origin,
 * so following it could only report a write that did not happen.
 */
export class RedirectError extends PlughubError {
  override name = 'RedirectError';
  readonly method: string;
  readonly status: number;
  /** Where the registry redirected to (resolved against the request URL), when it said. */
  readonly location?: string;
  constructor(message: string, details: ErrorDetails & { method: string; status: number; location?: string }) {
    super(message, details, 'E_REDIRECT');
    this.method = details.method;
    this.status = details.status;
    if (details.location !== undefined) this.location = details.location;
  }
}

registerErrorName('RedirectError');

/** Type guard for RedirectError. */
export const isRedirectError = (e: unknown): e is RedirectError => hasName(e, 'RedirectError');
