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
  readonly #transaction = new AsyncLocalStorage<{ tx: postgres.TransactionSql<Record<string, unknown>>; open: boolean }>();
  readonly pool: postgres.Sql<Record<string, unknown>>;

  constructor(pool: postgres.Sql<Record<string, unknown>>) {
    this.pool = pool;
  }

  /**
   * The transaction under way in this async context, or the pool (also for
   * work that outlived its transaction, such as a timer started inside it).
   */
  get current(): Queryable {
    const under = this.#transaction.getStore();
    return under?.open === true ? under.tx : this.pool;
  }

  /**
   * Runs `work` in a transaction (the one under way, when there is one: it
   * then commits with it), with queries of its async context on it.
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const under = this.#transaction.getStore();
    if (under?.open === true) return work(under.tx);
    return (await this.pool.begin(async (tx) => {
      const context = { tx, open: true };
      try {
        return await this.#transaction.run(context, () => work(tx));
      } finally {
        context.open = false;
      }
    })) as T;
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
