/**
 * Why a load failed, as one word a metric can carry: the error's class
 * (by its `code`, which crosses realms and workers) mapped to a small fixed
 * set, so that `plughub_load_failures_total{reason}` stays bounded whatever
 * a registry or a plugin throws.
 */
import { isPlughubError, isRegistryError } from '../errors/index.js';

/** The reasons a load failure is counted under. */
export const LOAD_FAILURE_REASONS = [
  'integrity',
  'signature',
  'rollback',
  'expired',
  'compatibility',
  'dependency',
  'not-found',
  'network',
  'registry',
  'resolve',
  'document',
  'manifest',
  'too-large',
  'import',
  'activate',
  'routes',
  'cancelled',
  'usage',
  'cache',
  'other',
] as const;

/** One of LOAD_FAILURE_REASONS. */
export type LoadFailureReason = (typeof LOAD_FAILURE_REASONS)[number];

const BY_CODE: Readonly<Record<string, LoadFailureReason>> = {
  E_INTEGRITY: 'integrity',
  E_SIGNATURE: 'signature',
  E_ROLLBACK: 'rollback',
  E_EXPIRED: 'expired',
  E_COMPATIBILITY: 'compatibility',
  E_DEPENDENCY_CYCLE: 'dependency',
  E_RESOLVE: 'resolve',
  E_DOCUMENT: 'document',
  E_REDIRECT: 'registry',
  E_MANIFEST: 'manifest',
  E_TOO_LARGE: 'too-large',
  E_LOAD: 'import',
  E_EXECUTE: 'activate',
  E_ROUTE: 'routes',
  E_ROUTE_CONFLICT: 'routes',
  E_CANCELLED: 'cancelled',
  E_DEADLINE: 'cancelled',
  E_UNLOADED: 'cancelled',
  E_USAGE: 'usage',
  E_NOT_LOADED: 'usage',
  E_CACHE_FILE: 'cache',
};

/**
 * The reason a load of `plugin` that failed with `error` is counted under: a
 * registry error by what went wrong (`not-found` for a 404, `network` when
 * the registry could not be reached or answered 5xx, else `registry`); a
 * version that cannot be resolved for another plugin than the one loaded
 * (a dependency missing or out of range) is a `dependency` failure; any
 * other plughub error by its code; anything else `other`.
 * @example loadFailureReason(new IntegrityError('…'), 'hello') // 'integrity'
 */
export function loadFailureReason(error: unknown, plugin?: string): LoadFailureReason {
  if (isRegistryError(error)) {
    if (error.status === 404) return 'not-found';
    if (error.unreachable || (error.status !== undefined && error.status >= 500)) return 'network';
    return 'registry';
  }
  if (!isPlughubError(error)) return 'other';
  if (error.code === 'E_RESOLVE' && plugin !== undefined && error.plugin !== undefined && error.plugin !== plugin) return 'dependency';
  return BY_CODE[error.code] ?? 'other';
}
