/**
 * A bundle's size against what a registry accepts: the default limit of one
 * file in a published package (DEFAULT_PLG_LIMITS.maxFileBytes, 10 MiB; a
 * registry may set another), with a warning when a bundle passes 80% of it
 * or the limit itself.
 */
import { DEFAULT_PLG_LIMITS } from '../../core/plg/index.js';
import { formatBytes } from './output.js';

/** A bundle past this share of the limit gets a warning. */
const NEAR_SHARE = 0.8;

/** The limit a bundle was held against, and the warnings it earned. */
export interface BundleSizeNotes {
  limit: number;
  warnings: string[];
}

/** Checks a bundle of `bytes` (before minification: `unminifiedBytes`) against the registry's default limit. */
export function bundleSizeNotes(build: { bytes: number; unminifiedBytes?: number }, limit: number = DEFAULT_PLG_LIMITS.maxFileBytes): BundleSizeNotes {
  const share = `${formatBytes(build.bytes)} of the registry's default limit of ${formatBytes(limit)} for one file`;
  const hint = build.unminifiedBytes === undefined ? ' (try --minify)' : '';
  if (build.bytes > limit) return { limit, warnings: [`the bundle is too large to publish: ${share}${hint}`] };
  if (build.bytes > limit * NEAR_SHARE) return { limit, warnings: [`the bundle is near the size a registry accepts: ${share}${hint}`] };
  return { limit, warnings: [] };
}
