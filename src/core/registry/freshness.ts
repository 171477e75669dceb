/**
 * How long a registry answer stays fresh, read from its `Cache-Control`
 * (`max-age`) and `Age` headers as a private cache does (RFC 9111, 4.2):
 * the lifetime is `max-age` less the time the answer already spent in
 * caches on the way. `no-store`, `no-cache`, a malformed or repeated
 * `max-age`, or no `max-age` at all give no freshness (the answer must be
 * revalidated before every use). The lifetime is capped at
 * MAX_FRESHNESS_MS, whatever the registry says, so that a yank or a new
 * version reaches every host within minutes.
 */

/** The longest a document is used without asking the registry (10 minutes), whatever its Cache-Control says. */
export const MAX_FRESHNESS_MS = 10 * 60 * 1000;

/** A header longer than this is not parsed (no registry needs it; a hostile one gets no freshness). */
const MAX_HEADER_CHARS = 1024;
const SECONDS = /^\d{1,10}$/;

/**
 * The freshness lifetime of an answer in milliseconds (0 when it must be
 * revalidated), from its headers.
 *
 * @example freshnessMs(new Headers({ 'cache-control': 'public, max-age=60' })) // 60000
 */
export function freshnessMs(headers: Headers): number {
  const control = headers.get('cache-control');
  if (control === null || control.length > MAX_HEADER_CHARS) return 0;
  let maxAge: number | undefined;
  for (const part of control.split(',')) {
    const [rawName = '', ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name !== 'max-age') continue;
    const value = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    // A repeated or malformed max-age makes the answer stale (RFC 9111, 4.2.1).
    if (maxAge !== undefined || !SECONDS.test(value)) return 0;
    maxAge = Number(value);
  }
  if (maxAge === undefined) return 0;
  const ageHeader = headers.get('age')?.trim();
  const age = ageHeader !== undefined && SECONDS.test(ageHeader) ? Number(ageHeader) : 0;
  return Math.min(Math.max(0, maxAge - age) * 1000, MAX_FRESHNESS_MS);
}
