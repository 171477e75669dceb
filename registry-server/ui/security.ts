/**
 * The headers every page and asset of the web interface carries: a strict
 * Content-Security-Policy (scripts and styles from the site itself only, no
 * inline script or style, no framing, no plugins, forms and links of the
 * page's own origin; images also over https, for README badges), no MIME
 * sniffing, no referrer, and an isolated browsing context.
 */

/** The Content-Security-Policy of every page. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "manifest-src 'self'",
].join('; ');

/** Security headers of pages and assets. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
});

/** The headers of an HTML page: never cached by shared caches (owner actions change what it shows). */
export function pageHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...extra };
}
