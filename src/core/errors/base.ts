/**
 * One error hierarchy for all of plughub. Every error is a `PlughubError`
 * with a stable `code`; subclasses set `name` so that the type guards work
 * across realms (workers, iframes, duplicated bundles) by matching on it.
 * Messages name the plugin, the version and the URL involved. This file has
 * the base class, the guard helpers and UsageError; the other files of this
 * folder hold the errors of one area each.
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

/** A command or function was called with arguments that make no sense. */
export class UsageError extends PlughubError {
  override name = 'UsageError';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, 'E_USAGE');
  }
}

/** True when `error` has the `name` of a plughub error class (the type guards use it). */
export function hasName(error: unknown, name: string): boolean {
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
  'RouteError',
  'RouteConflictError',
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

/** Type guard for UsageError. */
export const isUsageError = (e: unknown): e is UsageError => hasName(e, 'UsageError');
