/**
 * What the commands working on a registry data directory (serve, keys,
 * token, export) share: the `--data` option with its default, and how long
 * the keys envelopes they sign when creating or rotating a keyring hold.
 */

/** `--data DIR`, the data directory (default ./plughub-data). */
export const dataOption = { data: { type: 'string', default: './plughub-data' } } as const;

/** Validity of the keys envelopes signed by serve and keys: 7 days. */
export const KEYS_TTL_MS = 7 * 86_400_000;
