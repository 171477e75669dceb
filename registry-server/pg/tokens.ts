/**
 * Publish tokens in PostgreSQL: one row per token with its SHA-256 hash
 * (never the token), its scopes and its creation time. `verify` looks the
 * hash up and compares it in constant time (secrets.ts), so every server
 * sees a token the CLI created or revoked at once.
 */
import { findToken, newTokenRecord, tokenInfo } from '../tokens/secrets.js';
import type { TokenInfo, TokenRecord, TokenScopes, TokenStore } from '../tokens/types.js';
import type { Connections, Queryable } from './connection.js';
import { hashToken } from '../tokens/secrets.js';

/** A token store in PostgreSQL. */
export interface PgTokenStore extends TokenStore {
  /** Creates a token only when the store has none (the first admin token); undefined when it had one. Safe when several run at once. */
  createFirst(scopes: TokenScopes): Promise<{ token: string; info: TokenInfo } | undefined>;
}

/** The most tokens `list` reads. */
const MAX_TOKENS = 100_000;

interface TokenRow {
  id: string;
  hash: string;
  scopes: string;
  created_at: string;
}

function recordOf(row: TokenRow): TokenRecord {
  const scopes = JSON.parse(row.scopes) as TokenScopes;
  return {
    id: row.id,
    hash: row.hash,
    scopes: { admin: scopes.admin === true, publish: Array.isArray(scopes.publish) ? scopes.publish.map(String) : [] },
    createdAt: row.created_at,
  };
}

async function insert(sql: Queryable, record: TokenRecord): Promise<void> {
  await sql`INSERT INTO tokens (id, hash, scopes, created_at) VALUES (${record.id}, ${record.hash}, ${JSON.stringify(record.scopes)}, ${record.createdAt})`;
}

/** The token store of a PostgreSQL registry. */
export function createPgTokenStore(connections: Connections): PgTokenStore {
  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length > 256) return undefined;
      const rows = await connections.current<TokenRow[]>`SELECT id, hash, scopes, created_at FROM tokens WHERE hash = ${await hashToken(token)} LIMIT 10`;
      const record = await findToken(rows.map(recordOf), token);
      return record === undefined ? undefined : tokenInfo(record);
    },

    async create(scopes) {
      const { token, record } = await newTokenRecord(scopes);
      await insert(connections.current, record);
      return { token, info: tokenInfo(record) };
    },

    async createFirst(scopes) {
      const { token, record } = await newTokenRecord(scopes);
      const created = await connections.transaction(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtextextended('plughub:tokens', 0))`;
        const [row] = await tx<{ any: boolean }[]>`SELECT EXISTS (SELECT 1 FROM tokens) AS any`;
        if (row?.any === true) return false;
        await insert(tx, record);
        return true;
      });
      return created ? { token, info: tokenInfo(record) } : undefined;
    },

    async list() {
      const rows = await connections.current<TokenRow[]>`SELECT id, hash, scopes, created_at FROM tokens ORDER BY seq LIMIT ${MAX_TOKENS}`;
      return rows.map((row) => tokenInfo(recordOf(row)));
    },

    async revoke(id) {
      const rows = await connections.current`DELETE FROM tokens WHERE id = ${id} RETURNING id`;
      return rows.length > 0;
    },
  };
}
