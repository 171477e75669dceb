/**
 * A registry on PostgreSQL: its storage (documents, blobs, download counts),
 * tokens and signing state in one database, shared by any number of
 * servers. The database enforces what must hold across servers (see
 * docs/design.md "Storage on PostgreSQL"): one transaction per change under
 * a per-plugin advisory lock, UNIQUE(name, version), one signer at a time,
 * version counters that never go backwards, and LISTEN/NOTIFY to drop what
 * other servers cached. The `postgres` client is an optional peer
 * dependency, loaded when a store is created.
 */
import type postgres from 'postgres';
import { PlughubError } from '../../src/core/errors/index.js';
import type { RegistryStorage } from '../storage/types.js';
import type { SigningStore } from '../trust/store.js';
import { cachedBlobStore } from './blob-cache.js';
import { createPgBlobStore } from './blobs.js';
import { DocumentCache } from './cache.js';
import { Connections } from './connection.js';
import { DOCUMENTS_CHANNEL } from './documents.js';
import { runMigrations } from './schema.js';
import { createPgRegistryStorage } from './storage.js';
import { createPgSigningStore } from './signing.js';
import { createPgTokenStore, type PgTokenStore } from './tokens.js';

export type { BlobStore } from './blobs.js';
export type { PgTokenStore } from './tokens.js';
export { PG_DRIVER } from './storage.js';
export { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

/** Options of createPgStorage. */
export interface PgStorageOptions {
  /** postgres://user:password@host:port/db */
  url: string;
  /** Connections in the pool (default 10). */
  max?: number;
  /** Where log lines go (default none). */
  log?: (entry: { level: 'info' | 'error'; message: string; error?: unknown }) => void;
  /** Bytes of documents kept in process memory (default 16 MiB). */
  documentCacheBytes?: number;
  /** Bytes of blobs read kept in process memory (default 64 MiB; blobs never change, so a copy is never stale). */
  blobCacheBytes?: number;
  /** Longest time a cached document or list is served should notifications be lost (default 1000 ms). */
  cacheMaxAgeMs?: number;
  /** A larger stored document fails reading or changing it with StoredDocumentError, which the registry answers 503 (default 64 MiB). */
  maxDocumentBytes?: number;
  /** Called when a notification that `name`'s document changed arrived (after the cache dropped it). */
  onNotification?: (name: string) => void;
}

/** A registry's storage, tokens and signing state in one PostgreSQL database. */
export interface PgRegistryStore {
  storage: RegistryStorage;
  tokens: PgTokenStore;
  signing: SigningStore;
  /** Closes the pool and the listening connection (after the storage's download counts, which are never batched). */
  close(): Promise<void>;
}

/** The `postgres` client; an E_MISSING_PACKAGE error naming the npm command when it is not installed. */
async function loadClient(): Promise<typeof postgres> {
  try {
    return (await import('postgres')).default;
  } catch (error) {
    const message = 'a registry on PostgreSQL (createPgStorage) needs postgres, which is not installed: npm i postgres@^3.4.9 beside plughub';
    throw new PlughubError(message, { cause: error }, 'E_MISSING_PACKAGE');
  }
}

/**
 * Connects to the database, runs the schema migrations it lacks (once,
 * even when several servers start at once) and listens for changes made by
 * other servers. Migrations run before it resolves.
 * @example
 * const { storage, tokens, signing, close } = await createPgStorage({ url: 'postgres://plughub@127.0.0.1/plughub' });
 * const registry = createRegistry({ storage, tokens, signing: { store: signing } });
 */
export async function createPgStorage(options: PgStorageOptions): Promise<PgRegistryStore> {
  const client = await loadClient();
  const log = options.log ?? (() => {});
  const pool = client(options.url, { max: options.max ?? 10, onnotice: () => {}, connection: { application_name: 'plughub' } });
  const connections = new Connections(pool);
  const cache = new DocumentCache(options.documentCacheBytes ?? 16 * 1024 * 1024, options.cacheMaxAgeMs ?? 1000);
  let listening: { unlisten(): Promise<void> } | undefined;
  try {
    const applied = await runMigrations(pool);
    if (applied.length > 0) log({ level: 'info', message: `PostgreSQL schema migrated to version ${applied[applied.length - 1]}` });
    listening = await pool.listen(
      DOCUMENTS_CHANNEL,
      (name) => {
        cache.drop(name);
        options.onNotification?.(name);
      },
      // On every (re)connection of the listener: notifications may have been missed meanwhile.
      () => cache.dropAll(),
    );
  } catch (error) {
    await pool.end({ timeout: 5 });
    throw error;
  }
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      cache.dropAll();
      await listening?.unlisten().catch(() => undefined);
      await pool.end({ timeout: 5 });
    })();
    return closed;
  };
  const storage = createPgRegistryStorage({
    connections,
    blobs: cachedBlobStore(createPgBlobStore(connections), options.blobCacheBytes),
    cache,
    log,
    close,
    ...(options.maxDocumentBytes === undefined ? {} : { maxDocumentBytes: options.maxDocumentBytes }),
  });
  return { storage, tokens: createPgTokenStore(connections), signing: createPgSigningStore(connections), close };
}
