/**
 * The stored records of a registry's tokens (id, hash, scopes, creation
 * time), read and written as they are: what `plughub migrate` copies. A
 * token's secret is never stored anywhere, so only its hash moves; the
 * tokens keep working on the other storage. A data directory keeps them in
 * `tokens.json`, a database in its `tokens` table.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TokenRecord } from '../../../registry-server/tokens/types.js';
import { writeFileAtomic } from '../atomic-write.js';
import { isPostgresUrl } from './registry-store.js';

/** The most token records read (a registry has a few hundred). */
const MAX_TOKENS = 100_000;

/** Token records of one registry. */
export interface TokenRecords {
  /** Every record, oldest first. */
  read(): Promise<TokenRecord[]>;
  /** Adds `records`, replacing those with the same id. */
  write(records: readonly TokenRecord[]): Promise<void>;
  close(): Promise<void>;
}

function checkRecord(record: TokenRecord, where: string): TokenRecord {
  const ok =
    typeof record.id === 'string' &&
    /^[0-9a-f]{64}$/.test(record.hash) &&
    typeof record.createdAt === 'string' &&
    typeof record.scopes === 'object' &&
    record.scopes !== null &&
    Array.isArray(record.scopes.publish);
  if (!ok) throw new Error(`${where}: a token record is malformed (id ${JSON.stringify(String(record.id)).slice(0, 80)})`);
  return {
    id: record.id,
    hash: record.hash,
    scopes: { admin: record.scopes.admin === true, publish: record.scopes.publish.map(String) },
    createdAt: record.createdAt,
  };
}

function fileRecords(directory: string): TokenRecords {
  const file = join(directory, 'tokens.json');
  const read = async () => {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return [];
    const parsed = JSON.parse(text) as { version?: unknown; tokens?: unknown };
    if (parsed.version !== 1 || !Array.isArray(parsed.tokens) || parsed.tokens.length > MAX_TOKENS) throw new Error(`${file} is not a plughub token file`);
    return (parsed.tokens as TokenRecord[]).map((record) => checkRecord(record, file));
  };
  return {
    read,
    async write(records) {
      const ids = new Set(records.map((record) => record.id));
      const next = [...(await read()).filter((record) => !ids.has(record.id)), ...records];
      await writeFileAtomic(file, `${JSON.stringify({ version: 1, tokens: next }, null, 2)}\n`, { mode: 0o600 });
    },
    close: async () => {},
  };
}

async function databaseRecords(url: string, where: string): Promise<TokenRecords> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  return {
    async read() {
      const rows = await sql<{ id: string; hash: string; scopes: string; created_at: string }[]>`
        SELECT id, hash, scopes, created_at FROM tokens ORDER BY seq LIMIT ${MAX_TOKENS}`;
      return rows.map((row) => checkRecord({ id: row.id, hash: row.hash, scopes: JSON.parse(row.scopes), createdAt: row.created_at }, where));
    },
    async write(records) {
      await sql.begin(async (tx) => {
        for (const record of records) {
          await tx`DELETE FROM tokens WHERE id = ${record.id}`;
          await tx`INSERT INTO tokens (id, hash, scopes, created_at) VALUES (${record.id}, ${record.hash}, ${JSON.stringify(record.scopes)}, ${record.createdAt})`;
        }
      });
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** The token records of the registry at `location` (a data directory, or a database whose schema is in place); `where` names it in errors. */
export function openTokenRecords(location: string, where: string): Promise<TokenRecords> {
  return isPostgresUrl(location) ? databaseRecords(location, where) : Promise.resolve(fileRecords(location));
}
