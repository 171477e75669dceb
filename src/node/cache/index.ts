/**
 * The Node caches on disk: the blob cache (content-addressed bundles), the
 * document cache (registry documents, for offline loads and conditional
 * requests) and the trust store (the highest versions seen, key chains). On
 * the load path they own cache: bytes are verified again when read back.
 */
export { createFsBlobCache, type FsBlobCache, type FsBlobCacheOptions, type VerifyReport } from './blob-cache.js';
export { createFsDocumentCache, DEFAULT_MAX_DOCUMENT_FILE_BYTES, type FsDocumentCache } from './document-cache.js';
export { createFsTrustStore, type FsTrustStore } from './trust-store.js';
