/** The test cluster helper: a cluster starts, answers queries on its database, and is gone once stopped. */
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { postgresMissing, reportPostgresMissing, startPostgres } from '../../support/postgres.js';

reportPostgresMissing('The test PostgreSQL cluster tests');

describe.skipIf(postgresMissing)('test PostgreSQL cluster', () => {
  it('starts a cluster with a database, and removes it on stop', async () => {
    const pg = await startPostgres();
    const sql = postgres(pg.url, { max: 1 });
    try {
      const [row] = await sql`SELECT current_setting('fsync') AS fsync, inet_server_addr()::text AS address`;
      expect(row).toEqual({ fsync: 'on', address: '127.0.0.1/32' });
      const other = postgres(await pg.createDatabase(), { max: 1 });
      expect((await other`SELECT 1 AS one`)[0]).toEqual({ one: 1 });
      await other.end();
    } finally {
      await sql.end();
      await pg.stop();
    }
    const after = postgres(pg.url, { max: 1, connect_timeout: 2 });
    await expect(after`SELECT 1`).rejects.toThrow();
    await after.end();
  });
});
