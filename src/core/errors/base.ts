/**
 * One error hierarchy for all of plughub. Every error is a `PlughubError`
 * with a stable `code`; subclasses set `name` so that the type guards below
 * work across realms (workers, iframes, duplicated bundles) by matching on it.
 * Messages name the plugin, the version and the URL involved.
 */

/** What an error can say about where it happened. */
export interface ErrorDetails {
  cause?: unknown;
  plugin?: string;
  version?: string;
  url?: string;
}

/** The base of every error plughub throws. */
export class PlughubError extends Error {
  override name = 'PlughubError';
  readonly code: string;
  readonly plugin?: string;
  readonly version?: string;
  readonly url?: string;

  constructor(message: string, details: ErrorDetails = {}, code = 'E_PLUGHUB') {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.plugin !== undefined) this.plugin = details.plugin;
    if (details.version !== undefined) this.version = details.version;
    if (details.url !== undefined) this.url = details.url;
  }
}

/** One problem found in a manifest, with the JSON path it concerns. */
export interface ManifestIssue {
  path: string;
  message: string;
}

/** plugin.json is not valid; `issues` lists every problem, not just the first. */
export class ManifestError extends PlughubError {
  override name = 'ManifestError';
  readonly issues: ManifestIssue[];
  constructor(message: string, issues: ManifestIssue[], details: ErrorDetails = {}) {
    super(message, details, 'E_MANIFEST');
    this.issues = issues;
  }
}

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

/** A plugin needs a host API version that this host does not offer. */
export class CompatibilityError extends PlughubError {
  override name = 'CompatibilityError';
  readonly required: string;
  readonly hostVersion: string;
  constructor(message: string, required: string, hostVersion: string, details: ErrorDetails = {}) {
    super(message, details, 'E_COMPATIBILITY');
    this.required = required;
    this.hostVersion = hostVersion;
  }
}

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
  constructor(
    message: string,
    details: ErrorDetails & { method: string; status?: number; serverCode?: string; unreachable?: boolean },
  ) {
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

/** A download or document exceeded its size limit and was aborted. */
export class SizeLimitError extends PlughubError {
  override name = 'SizeLimitError';
  readonly limit: number;
  constructor(message: string, limit: number, details: ErrorDetails = {}) {
    super(message, details, 'E_TOO_LARGE');
    this.limit = limit;
  }
}

/** A plugin could not be imported or does not have the shape of a plugin. */
export class PluginLoadError extends PlughubError {
  override name = 'PluginLoadError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_LOAD');
  }
}

/** A plugin's `execute`, `activate` or `deactivate` threw. */
export class PluginExecutionError extends PlughubError {
  override name = 'PluginExecutionError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_EXECUTE');
  }
}

/** The host was asked for a plugin that is not loaded. */
export class NotLoadedError extends PlughubError {
  override name = 'NotLoadedError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_NOT_LOADED');
  }
}

/** Plugin dependencies form a cycle; `cycle` lists it, first name repeated last. */
export class DependencyCycleError extends PlughubError {
  override name = 'DependencyCycleError';
  readonly cycle: string[];
  constructor(message: string, cycle: string[], details: ErrorDetails = {}) {
    super(message, details, 'E_DEPENDENCY_CYCLE');
    this.cycle = cycle;
  }
}

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

/** A command or function was called with arguments that make no sense. */
export class UsageError extends PlughubError {
  override name = 'UsageError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_USAGE');
  }
}

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

function hasName(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

const ERROR_NAMES = new Set([
  'PlughubError',
  'ManifestError',
  'IntegrityError',
  'CompatibilityError',
  'ResolveError',
  'RegistryError',
  'DocumentError',
  'SizeLimitError',
  'PluginLoadError',
  'PluginExecutionError',
  'NotLoadedError',
  'DependencyCycleError',
  'CancelledError',
  'DeadlineExceededError',
  'UnloadedError',
  'UsageError',
  'SignatureError',
  'RollbackError',
  'ExpiredError',
]);

/** Registers the name of a PlughubError subclass defined outside this file, for isPlughubError. */
export function registerErrorName(name: string): void {
  ERROR_NAMES.add(name);
}

/** True for any plughub error, also one from another realm. */
export function isPlughubError(error: unknown): error is PlughubError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    ERROR_NAMES.has(String((error as { name?: unknown }).name))
  );
}

/** Type guard for ManifestError. */
export const isManifestError = (e: unknown): e is ManifestError => hasName(e, 'ManifestError');
/** Type guard for IntegrityError. */
export const isIntegrityError = (e: unknown): e is IntegrityError => hasName(e, 'IntegrityError');
/** Type guard for CompatibilityError. */
export const isCompatibilityError = (e: unknown): e is CompatibilityError => hasName(e, 'CompatibilityError');
/** Type guard for ResolveError. */
export const isResolveError = (e: unknown): e is ResolveError => hasName(e, 'ResolveError');
/** Type guard for RegistryError. */
export const isRegistryError = (e: unknown): e is RegistryError => hasName(e, 'RegistryError');
/** Type guard for DocumentError. */
export const isDocumentError = (e: unknown): e is DocumentError => hasName(e, 'DocumentError');
/** Type guard for SizeLimitError. */
export const isSizeLimitError = (e: unknown): e is SizeLimitError => hasName(e, 'SizeLimitError');
/** Type guard for PluginLoadError. */
export const isPluginLoadError = (e: unknown): e is PluginLoadError => hasName(e, 'PluginLoadError');
/** Type guard for PluginExecutionError. */
export const isPluginExecutionError = (e: unknown): e is PluginExecutionError =>
  hasName(e, 'PluginExecutionError');
/** Type guard for NotLoadedError. */
export const isNotLoadedError = (e: unknown): e is NotLoadedError => hasName(e, 'NotLoadedError');
/** Type guard for DependencyCycleError. */
export const isDependencyCycleError = (e: unknown): e is DependencyCycleError =>
  hasName(e, 'DependencyCycleError');
/** Type guard for CancelledError. */
export const isCancelledError = (e: unknown): e is CancelledError => hasName(e, 'CancelledError');
/** Type guard for DeadlineExceededError. */
export const isDeadlineExceededError = (e: unknown): e is DeadlineExceededError =>
  hasName(e, 'DeadlineExceededError');
/** Type guard for UnloadedError. */
export const isUnloadedError = (e: unknown): e is UnloadedError => hasName(e, 'UnloadedError');
/** Type guard for UsageError. */
export const isUsageError = (e: unknown): e is UsageError => hasName(e, 'UsageError');

/** Type guard for SignatureError. */
export const isSignatureError = (e: unknown): e is SignatureError => hasName(e, 'SignatureError');
/** Type guard for RollbackError. */
export const isRollbackError = (e: unknown): e is RollbackError => hasName(e, 'RollbackError');
/** Type guard for ExpiredError. */
export const isExpiredError = (e: unknown): e is ExpiredError => hasName(e, 'ExpiredError');

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
