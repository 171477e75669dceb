/**
 * The PostgreSQL schema of a registry, as numbered migration steps. They run
 * when a store opens (`runMigrations`), under a session advisory lock, so
 * that several servers starting at once run each step exactly once; each
 * step and its row in `schema_migrations` commit together, so a step that
 * fails leaves nothing half-applied and running them again is harmless.
 */
import type { Sql } from 'postgres';

/** One step of the schema: applied once, in order, never changed once released. */
export interface Migration {
  version: number;
  description: string;
  statements: readonly string[];
}

/** The advisory lock key of the migrations (any constant no other lock uses). */
const MIGRATION_LOCK = 'plughub:schema-migrations';

/** Every step of the schema, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'documents, versions, blobs, download counts, tokens, signing state',
    statements: [
      // One row per plugin: the served bytes and the summary of the list (text, so that every server lays it out alike).
      `CREATE TABLE documents (
        name text PRIMARY KEY,
        bytes bytea NOT NULL,
        summary text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // The versions each document holds, written in the transaction of the document: the database refuses a version twice.
      `CREATE TABLE versions (
        name text NOT NULL,
        version text NOT NULL,
        CONSTRAINT versions_name_version_key UNIQUE (name, version)
      )`,
      `CREATE TABLE blobs (
        algorithm text NOT NULL,
        hex text NOT NULL,
        bytes bytea NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        stored_at bigint NOT NULL,
        PRIMARY KEY (algorithm, hex)
      )`,
      `CREATE TABLE download_versions (
        name text NOT NULL,
        version text NOT NULL,
        count bigint NOT NULL CHECK (count >= 0),
        PRIMARY KEY (name, version)
      )`,
      `CREATE TABLE download_days (
        name text NOT NULL,
        day date NOT NULL,
        count bigint NOT NULL CHECK (count >= 0),
        PRIMARY KEY (name, day)
      )`,
      `CREATE TABLE tokens (
        seq bigserial UNIQUE,
        id text PRIMARY KEY,
        hash text NOT NULL,
        scopes text NOT NULL,
        created_at text NOT NULL
      )`,
      'CREATE INDEX tokens_hash ON tokens (hash)',
      `CREATE TABLE signing_keyring (
        id integer PRIMARY KEY CHECK (id = 1),
        keyring text NOT NULL,
        keys_version integer NOT NULL CHECK (keys_version >= 0)
      )`,
      `CREATE TABLE signing_keys_envelopes (
        version integer PRIMARY KEY CHECK (version > 0),
        envelope text NOT NULL
      )`,
      `CREATE TABLE signing_records (
        key text PRIMARY KEY,
        version bigint NOT NULL CHECK (version > 0),
        record text NOT NULL
      )`,
    ],
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings the database's schema up to SCHEMA_VERSION; resolves to the
 * versions it applied (none when another server already did). Refuses a
 * database whose schema is newer than this code.
 */
export async function runMigrations(sql: Sql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const connection = await sql.reserve();
  try {
    await connection`SELECT pg_advisory_lock(hashtextextended(${MIGRATION_LOCK}, 0))`;
    try {
      await connection`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`;
      const rows = await connection<{ version: number }[]>`SELECT version FROM schema_migrations ORDER BY version`;
      const applied = new Set(rows.map((row) => row.version));
      const newest = Math.max(0, ...applied);
      const known = Math.max(0, ...migrations.map((step) => step.version));
      if (newest > known) {
        throw new Error(`the database's schema is at version ${newest}, newer than this plughub knows (${known}); upgrade plughub`);
      }
      const done: number[] = [];
      for (const step of migrations) {
        if (applied.has(step.version)) continue;
        await connection.unsafe('BEGIN');
        try {
          for (const statement of step.statements) await connection.unsafe(statement);
          await connection`INSERT INTO schema_migrations (version, description) VALUES (${step.version}, ${step.description})`;
          await connection.unsafe('COMMIT');
        } catch (error) {
          await connection.unsafe('ROLLBACK');
          throw error;
        }
        done.push(step.version);
      }
      return done;
    } finally {
      await connection`SELECT pg_advisory_unlock(hashtextextended(${MIGRATION_LOCK}, 0))`;
    }
  } finally {
    connection.release();
  }
}
