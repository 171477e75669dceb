/**
 * The database connection a query of the PostgreSQL store runs on: the
 * transaction of the document change (or signing lock) under way in this
 * async context, else the pool. So a blob stored by a change function
 * commits with the document that refers to it, and the reads and writes a
 * signer makes while holding its lock run inside the transaction that holds it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type postgres from 'postgres';

/** Anything queries run on: the pool, a reserved connection, a transaction. */
export type Queryable = postgres.ISql<Record<string, unknown>>;

/** A pool and the transaction of the current async context. */
export class Connections {
  readonly #transaction = new AsyncLocalStorage<postgres.TransactionSql<Record<string, unknown>>>();
  readonly pool: postgres.Sql<Record<string, unknown>>;

  constructor(pool: postgres.Sql<Record<string, unknown>>) {
    this.pool = pool;
  }

  /** The transaction under way in this async context, or the pool. */
  get current(): Queryable {
    return this.#transaction.getStore() ?? this.pool;
  }

  /** Whether a transaction is under way in this async context. */
  get inTransaction(): boolean {
    return this.#transaction.getStore() !== undefined;
  }

  /**
   * Runs `work` in a transaction (the one under way, when there is one: it
   * then commits with it), with queries of its async context on it.
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const under = this.#transaction.getStore();
    if (under !== undefined) return work(under);
    return (await this.pool.begin((tx) => this.#transaction.run(tx, () => work(tx)))) as T;
  }
}

/** The bytes of a bytea column as a plain Uint8Array (its own copy, not a Buffer over a shared pool). */
export function toBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

/** Bytes to send as a bytea parameter. */
export function toParameter(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
