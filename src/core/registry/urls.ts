/**
 * The URLs of the registry client (src/core/registry/client.ts): the base URL it is
 * given, checked and normalized; plugin names encoded into paths (scoped
 * names as `@acme%2Fhello`); and a document's `dist.url` resolved against the
 * base. A URL that is not http(s) is refused here, before anything is sent.
 */
import { DocumentError, UsageError } from '../errors/index.js';

/** The base URL without trailing slashes (a path prefix is kept); UsageError unless http(s). */
export function normalizeBase(url: string): string {
  const parsed = typeof url === 'string' ? parseUrl(url) : undefined;
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new UsageError(`registry URL ${JSON.stringify(url)} is not an http(s) URL`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** `new URL` without the throw (URL.parse is too recent for some supported browsers). */
function parseUrl(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

/** A plugin name as one path segment: scoped names keep their `@`; UsageError for an empty name. */
export function encodeName(name: string): string {
  if (typeof name !== 'string' || name === '') throw new UsageError(`plugin name must be a non-empty string, got ${JSON.stringify(name)}`);
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

/** Resolves a dist URL: absolute URLs as they are, `/…` below the base URL, others relative to it; DocumentError unless http(s). */
export function resolveBlobUrl(base: string, raw: string): string {
  // A root-relative path is below the base URL (a registry mounted at a prefix emits `/v1/blobs/…`).
  const resolved = parseUrl(raw.startsWith('/') && !raw.startsWith('//') ? base + raw : raw, `${base}/`);
  if (resolved?.protocol !== 'http:' && resolved?.protocol !== 'https:') {
    throw new DocumentError(`dist.url ${JSON.stringify(raw)} is not an http(s) URL`, { url: raw });
  }
  return resolved.href;
}
