/**
 * A request's path as the matcher sees it: split on `/` once, each segment
 * percent-decoded once (so `%2F` is a character of its segment, never a
 * separator), one trailing `/` ignored as in patterns. The path is bounded:
 * a longer one is refused before any work per segment.
 */

/** The longest request path matched (longer ones are answered 414). */
export const MAX_REQUEST_PATH_LENGTH = 8192;

/** A request path ready for matching. */
export interface RequestPath {
  /** The decoded segments (`/a/b%2Fc/` → `['a', 'b/c']`). */
  readonly segments: readonly string[];
  /** The raw (still encoded) segments, for the text a `*` matches. */
  readonly raw: readonly string[];
}

/** Why a path cannot be matched: too long, or a malformed percent-escape. */
export type PathProblem = 'too-long' | 'malformed';

/** Splits and decodes a URL's pathname (as `new URL(request.url).pathname` gives it). */
export function splitRequestPath(pathname: string): RequestPath | PathProblem {
  if (pathname.length > MAX_REQUEST_PATH_LENGTH) return 'too-long';
  let body = pathname.startsWith('/') ? pathname.slice(1) : pathname;
  if (body.endsWith('/')) body = body.slice(0, -1);
  const raw = body === '' ? [] : body.split('/');
  const segments: string[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const part = raw[i]!;
    if (!part.includes('%')) {
      segments[i] = part;
      continue;
    }
    try {
      segments[i] = decodeURIComponent(part);
    } catch {
      return 'malformed';
    }
  }
  return { segments, raw };
}
