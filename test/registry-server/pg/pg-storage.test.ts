/** The storage contract, run against the PostgreSQL driver (a new database per test). */
import { describe } from 'vitest';
import { postgresMissing } from '../../support/postgres.js';
import { testStorage } from '../storage-contract.js';
import { openStore, usePostgres } from './pg-support.js';

describe.skipIf(postgresMissing)('PostgreSQL storage', () => {
  const postgres = usePostgres();
  testStorage('postgres', async () => (await openStore(await postgres.cluster().createDatabase())).storage);
});
