/**
 * plughub/server: the plugin registry. `createRegistry` builds a web-standard
 * `(Request) => Promise<Response>` handler over a storage driver and a token
 * store; `serveNode` serves it with node:http. The filesystem driver and the
 * file token store keep everything in one data directory that several
 * server processes may share.
 *
 * @example
 * import { createRegistry, createFsStorage, createFileTokenStore, serveNode } from 'plughub/server';
 * const registry = createRegistry({ storage: createFsStorage('./data'), tokens: createFileTokenStore('./data') });
 * const server = await serveNode(registry, { port: 4873, host: '127.0.0.1' });
 * console.log(`listening on ${server.url}`);
 */
export { createRegistry, type Registry } from './registry.js';
export { DEFAULT_LIMITS, DEFAULT_UPLOAD_LIMITS, type RegistryLimits, type RegistryLogEntry, type RegistryOptions, type UploadLimits } from './options.js';
export { createFsUploadSpool } from './upload/fs-spool.js';
export type { SpoolFile, UploadSpool } from './upload/types.js';
export type { PlgLimits } from '../src/core/plg/index.js';
export type { DocumentChange, DocumentSnapshot, DownloadCounts, DownloadIncrement, PreparedDocument, RegistryStorage, StoredBlob } from './storage/types.js';
export { DOWNLOAD_DAYS } from './storage/downloads.js';
export type { PluginStats } from './download-stats.js';
export type { DownloadCounterTiming } from './download-counter.js';
export { REGISTRY_OPENAPI } from './openapi.js';
export type { MetricsSnapshot } from '../src/core/metrics/index.js';
export { collectGarbage, DEFAULT_GC_GRACE_MS, type GarbageCollectionOptions, type GarbageCollectionResult } from './storage/gc.js';
export { createMemoryStorage, MEMORY_DRIVER } from './storage/memory.js';
export { createFsStorage, pluginDirectoryName, FS_DRIVER, type FsStorageOptions } from './storage/fs.js';
export {
  createPgStorage,
  PG_DRIVER,
  MIGRATIONS,
  SCHEMA_VERSION,
  type BlobStore,
  type PgRegistryStore,
  type PgStorageOptions,
  type PgTokenStore,
} from './pg/index.js';
export { snapshotOf } from './storage/snapshot.js';
export type { TokenInfo, TokenRecord, TokenScopes, TokenStore, TokenVerifier } from './tokens/types.js';
export { createMemoryTokenStore } from './tokens/memory.js';
export { createFileTokenStore, type FileTokenStore } from './tokens/file.js';
export { describePublishPattern, describeScopes, mayPublish } from './tokens/scopes.js';
export { TOKEN_PREFIX } from './tokens/secrets.js';
export { addVersion, latestVersion, setYanked, summarize, blobPath } from './documents.js';
export { MAX_DOCUMENT_BYTES, MAX_DOCUMENT_VERSIONS } from './publish.js';
export { HttpError, type RegistryErrorCode } from './http/errors.js';
export { serveNode, type ConnectionLimits, type FetchHandler, type NodeServer, type ServeNodeOptions } from './node/serve.js';
export { isListenError, ListenError } from './node/listen-error.js';
export { Signer, type SigningOptions, type SignedAnswer, type SignedListPage, type SignOptions } from './trust/signer.js';
export { MAX_SIGNED_LIST_PAGE_BYTES, SIGNED_DESCRIPTION_BYTES, SIGNED_DESCRIPTION_CHARS } from './trust/list-pages.js';
export { createMemorySigningStore, type Keyring, type KeyRecord, type SignedRecord, type SigningStore } from './trust/store.js';
export { createFsSigningStore } from './trust/fs-store.js';
export { ensureKeyring, rotateKeyring, type LoadedKeyring } from './trust/keyring.js';
export { ExportError, exportRegistry, type ExportOptions, type ExportResult } from './trust/export.js';
