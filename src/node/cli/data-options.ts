/**
 * What the commands working on a registry data directory (serve, keys,
 * token, export, gc) share: the `--data` option with its default, how long
 * the keys envelopes they sign when creating or rotating a keyring hold, and
 * durations such as `30d` given on the command line.
 */
import { usageError } from './args.js';

/** `--data DIR`, the data directory (default ./plughub-data). */
export const dataOption = { data: { type: 'string', default: './plughub-data' } } as const;

/** Validity of the keys envelopes signed by serve and keys: 7 days. */
export const KEYS_TTL_MS = 7 * 86_400_000;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a duration such as `30d`, `12h`, `90m`, `600s`; a
 * UsageError of `command` naming `option` when it is not one or is shorter
 * than `minMs` (described as `minText`, such as `2d`).
 */
export function parseDuration(text: string, option: string, command: string, minMs: number, minText: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  const ms = match === null ? Number.NaN : Number(match[1]) * UNITS[match[2]!]!;
  if (!Number.isSafeInteger(ms) || ms < minMs) {
    throw usageError(command, `${option} must be a duration of at least ${minText} such as 30d, 48h, 90m (got "${text}")`);
  }
  return ms;
}
