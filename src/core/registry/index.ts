/**
 * The registry client: the HTTP transport (bounded bodies, no redirect for
 * writes), the URLs, the paged signed list, and the plugin document format
 * with its parsers (document.ts) and its cached form (cached-document.ts).
 * On the load path it owns fetch: the document that resolve chooses from,
 * and the bundle bytes that verify then checks.
 */
export * from './client.js';
export * from './document.js';
export { cachedDocumentRecord, decodeCachedDocument } from './cached-document.js';
