/**
 * Plugin documents in PostgreSQL: one row per plugin (the served bytes and
 * the summary of the list), plus one row per version in `versions`, whose
 * UNIQUE(name, version) makes the database refuse a version published twice.
 * A change runs in one transaction holding a transaction-scoped advisory
 * lock on the plugin name, so changes of one plugin run one at a time across
 * every server; the document, its versions, the blobs the change stored and
 * the NOTIFY that tells the other servers all commit together.
 */
import type { PluginDocument, PluginSummary } from '../../src/core/registry/index.js';
import { summarize } from '../documents.js';
import { HttpError } from '../http/errors.js';
import { StoredDocumentError } from '../storage/errors.js';
import { describeDocument } from '../storage/fs-index-entries.js';
import { asPrepared, parseDocument, snapshotOfBytes } from '../storage/snapshot.js';
import type { BlobToStore, DocumentChange, DocumentSnapshot } from '../storage/types.js';
import { type Connections, type Queryable, toBytes, toParameter } from './connection.js';

/** The channel on which a commit announces the plugin whose document changed. */
export const DOCUMENTS_CHANNEL = 'plughub_documents';

/** The largest summary read back for the list (a summary is a few hundred bytes). */
const MAX_SUMMARY_CHARS = 64 * 1024;

/** PostgreSQL's code for a unique violation. */
const UNIQUE_VIOLATION = '23505';

function where(name: string): string {
  return `row ${JSON.stringify(name)} of table documents`;
}

function damaged(name: string, problem: string, cause?: unknown): StoredDocumentError {
  return new StoredDocumentError(
    `the stored document of ${name} (${where(name)}) cannot be used: ${problem}; it must be repaired or removed on the server`,
    name,
    `documents/${name}`,
    cause,
  );
}

/** The stored bytes of `name`'s document (undefined when there is none); StoredDocumentError past `maxBytes`. */
export async function readDocumentBytes(sql: Queryable, name: string, maxBytes: number): Promise<Uint8Array | undefined> {
  const rows = await sql<{ size: number; bytes: Uint8Array | null }[]>`
    SELECT octet_length(bytes)::float8 AS size, CASE WHEN octet_length(bytes) <= ${maxBytes} THEN bytes END AS bytes
    FROM documents WHERE name = ${name}`;
  const row = rows[0];
  if (row === undefined) return undefined;
  if (row.bytes === null) throw damaged(name, `it is ${row.size} bytes, more than the ${maxBytes} bytes this server reads`);
  return toBytes(row.bytes);
}

/** The stored document of `name` as a change starts from it; StoredDocumentError when it is damaged. */
async function readCurrent(sql: Queryable, name: string, maxBytes: number): Promise<{ bytes: Uint8Array; document: PluginDocument } | undefined> {
  const bytes = await readDocumentBytes(sql, name, maxBytes);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = parseDocument(bytes);
  } catch (error) {
    throw damaged(name, `it is not JSON (${(error as Error).message})`, error);
  }
  const problem = describeDocument(value, name);
  if (problem !== undefined) throw damaged(name, problem);
  return { bytes, document: value as PluginDocument };
}

/**
 * Changes `name`'s document in one transaction under the plugin's advisory
 * lock (see the module comment). Resolves to the snapshot after the change
 * and whether anything was written.
 */
export async function changeDocument(
  connections: Connections,
  name: string,
  change: DocumentChange,
  maxBytes: number,
  storeBlobs: (blobs: readonly BlobToStore[]) => Promise<void>,
): Promise<{ snapshot: DocumentSnapshot | undefined; written: boolean }> {
  return connections.transaction(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`plughub:plugin:${name}`}, 0))`;
    const current = await readCurrent(tx, name, maxBytes);
    const next = await change(current?.document);
    if (next === undefined) return { snapshot: current === undefined ? undefined : await snapshotOfBytes(current.bytes), written: false };
    const { document, snapshot, blobs = [] } = await asPrepared(next);
    if (document.name !== name) throw new TypeError(`the document of ${name} must carry that name, not ${document.name}`);
    if (blobs.length > 0) await storeBlobs(blobs);
    const summary = JSON.stringify(summarize(document));
    await tx`
      INSERT INTO documents (name, bytes, summary, updated_at) VALUES (${name}, ${toParameter(snapshot.bytes)}, ${summary}, now())
      ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes, summary = excluded.summary, updated_at = excluded.updated_at`;
    await writeVersions(tx, name, Object.keys(current?.document.versions ?? {}), Object.keys(document.versions));
    await tx`SELECT pg_notify(${DOCUMENTS_CHANNEL}, ${name})`;
    return { snapshot, written: true };
  });
}

/** Keeps the `versions` rows of `name` equal to the document's versions; a version already there is refused by the database (409). */
async function writeVersions(tx: Queryable, name: string, before: string[], after: string[]): Promise<void> {
  const had = new Set(before);
  const has = new Set(after);
  const added = after.filter((version) => !had.has(version));
  const removed = before.filter((version) => !has.has(version));
  if (removed.length > 0) await tx`DELETE FROM versions WHERE name = ${name} AND version = ANY(${tx.array(removed)}::text[])`;
  if (added.length === 0) return;
  try {
    await tx`INSERT INTO versions (name, version) SELECT ${name}, unnest(${tx.array(added)}::text[])`;
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    const version = /\(name, version\)=\([^,]*, ([^)]*)\)/.exec(String((error as { detail?: unknown }).detail ?? ''))?.[1] ?? added.join(', ');
    throw new HttpError(409, 'E_VERSION_EXISTS', `${name}@${version} is already published, and a published version never changes`);
  }
}

/** Every plugin's summary, sorted by name; rows whose summary cannot be used are left out and reported to `skip`. */
export async function readSummaries(sql: Queryable, skip: (name: string, problem: string) => void): Promise<PluginSummary[]> {
  const rows = await sql<{ name: string; summary: string | null }[]>`
    SELECT name, CASE WHEN length(summary) <= ${MAX_SUMMARY_CHARS} THEN summary END AS summary FROM documents ORDER BY name COLLATE "C"`;
  const summaries: PluginSummary[] = [];
  for (const row of rows) {
    try {
      if (row.summary === null) throw new Error(`its summary is longer than ${MAX_SUMMARY_CHARS} characters`);
      const summary = JSON.parse(row.summary) as PluginSummary;
      if (typeof summary !== 'object' || summary === null || summary.name !== row.name) throw new Error('its summary does not describe it');
      summaries.push(summary);
    } catch (error) {
      skip(row.name, (error as Error).message);
    }
  }
  return summaries;
}

/** Every document's name and bytes, a page at a time (by name), without a cache. */
export async function* eachDocumentRow(sql: Queryable, maxBytes: number, pageSize = 100): AsyncIterable<{ name: string; bytes: Uint8Array }> {
  let after = '';
  for (;;) {
    const names = await sql<{ name: string }[]>`
      SELECT name FROM documents WHERE name COLLATE "C" > ${after} ORDER BY name COLLATE "C" LIMIT ${pageSize}`;
    for (const { name } of names) {
      const bytes = await readDocumentBytes(sql, name, maxBytes);
      if (bytes !== undefined) yield { name, bytes };
    }
    if (names.length < pageSize) return;
    after = names[names.length - 1]?.name ?? after;
  }
}
