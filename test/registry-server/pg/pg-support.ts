/**
 * One throw-away PostgreSQL cluster per test file and a fresh database per
 * store: `usePostgres()` in a describe block starts the cluster before its
 * tests and stops it after; `freshStore()` opens a store on a new database
 * and closes it after the test.
 */
import { afterAll, beforeAll } from 'vitest';
import { createPgStorage, type PgRegistryStore, type PgStorageOptions } from '../../../registry-server/index.js';
import { reportPostgresMissing, startPostgres, type TestPostgres } from '../../support/postgres.js';
import { onCleanup } from '../helpers.js';

reportPostgresMissing('PostgreSQL storage tests');

/** The cluster of this file, started by usePostgres. */
export function usePostgres(): { cluster(): TestPostgres } {
  let cluster: TestPostgres | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  return {
    cluster() {
      if (cluster === undefined) throw new Error('the PostgreSQL cluster did not start');
      return cluster;
    },
  };
}

/** Opens a store (closed after the test) on `url`. */
export async function openStore(url: string, options: Omit<PgStorageOptions, 'url'> = {}): Promise<PgRegistryStore> {
  const store = await createPgStorage({ url, max: 4, ...options });
  onCleanup(() => store.close());
  return store;
}
