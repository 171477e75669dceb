/**
 * Blobs of a PostgreSQL registry: content-addressed bundle bytes in a
 * `bytea` column, written once (storing one again only renews its
 * `stored_at`, in ms by the database's clock, one clock for every server). Behind the small BlobStore
 * interface, so that an object store could keep the blobs instead while the
 * documents stay in PostgreSQL.
 */
import type { StoredBlob } from '../storage/types.js';
import { type Connections, toBytes, toParameter } from './connection.js';

/** Where a PostgreSQL registry keeps its blobs. Addresses are checked by the caller. */
export interface BlobStore {
  /** The blob's bytes, or undefined. */
  get(algorithm: 'sha256', hex: string): Promise<Uint8Array | undefined>;
  /** Stores the blob, or renews its storedAt when it is already there. */
  put(algorithm: 'sha256', hex: string, bytes: Uint8Array): Promise<void>;
  /** Every blob, without its bytes. */
  list(): Promise<StoredBlob[]>;
  /** Deletes the blob if it was last stored before `storedBefore` (ms since the epoch); true when it did. */
  delete(algorithm: 'sha256', hex: string, storedBefore: number): Promise<boolean>;
}

/**
 * Blobs in the `blobs` table. A put made inside a document change joins its
 * transaction, so the blob and the document commit together.
 */
export function createPgBlobStore(connections: Connections): BlobStore {
  return {
    async get(algorithm, hex) {
      const rows = await connections.current<{ bytes: Uint8Array }[]>`SELECT bytes FROM blobs WHERE algorithm = ${algorithm} AND hex = ${hex}`;
      const row = rows[0];
      return row === undefined ? undefined : toBytes(row.bytes);
    },

    async put(algorithm, hex, bytes) {
      await connections.current`
        INSERT INTO blobs (algorithm, hex, bytes, size, stored_at)
        VALUES (${algorithm}, ${hex}, ${toParameter(bytes)}, ${bytes.byteLength}, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
        ON CONFLICT (algorithm, hex) DO UPDATE SET stored_at = excluded.stored_at`;
    },

    async list() {
      const rows = await connections.current<{ algorithm: string; hex: string; size: number; stored_at: number }[]>`
        SELECT algorithm, hex, size::float8 AS size, stored_at::float8 AS stored_at FROM blobs ORDER BY algorithm, hex`;
      return rows.map((row) => ({ algorithm: 'sha256' as const, hex: row.hex, size: row.size, storedAt: row.stored_at }));
    },

    async delete(algorithm, hex, storedBefore) {
      const rows = await connections.current`
        DELETE FROM blobs WHERE algorithm = ${algorithm} AND hex = ${hex} AND stored_at < ${Math.floor(storedBefore)} RETURNING hex`;
      return rows.length > 0;
    },
  };
}
