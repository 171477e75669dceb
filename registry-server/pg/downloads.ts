/**
 * Download counts in PostgreSQL: a count per (plugin, version) and per
 * (plugin, UTC day), added with upserts in one transaction, so counts added
 * by every server add up. Days before the 30-day window of the newest count
 * are deleted when counts are added, as the other drivers drop them. Counts
 * are written at once (the registry already batches them), so
 * `flushDownloads` has nothing to wait for.
 */
import { assertIncrements, dayOf, emptyDownloads, firstKeptDay } from '../storage/downloads.js';
import { assertPluginName } from '../storage/snapshot.js';
import type { DownloadCounts, DownloadIncrement } from '../storage/types.js';
import type { Connections } from './connection.js';

/** The most rows of one plugin read back (a document holds at most 1,000 versions; 30 days). */
const MAX_ROWS = 100_000;

/** Adds the increments on the day of `at`; a TypeError, adding nothing, when one is invalid. */
export async function addDownloads(connections: Connections, increments: readonly DownloadIncrement[], at: number): Promise<void> {
  assertIncrements(increments);
  if (increments.length === 0) return;
  const byVersion = new Map<string, { name: string; version: string; count: number }>();
  const byName = new Map<string, number>();
  for (const { name, version, count } of increments) {
    const key = JSON.stringify([name, version]);
    const entry = byVersion.get(key);
    if (entry === undefined) byVersion.set(key, { name, version, count });
    else entry.count += count;
    byName.set(name, (byName.get(name) ?? 0) + count);
  }
  // Rows in one order in every transaction, so that concurrent additions never deadlock.
  const versions = [...byVersion.values()].sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version));
  const names = [...byName.keys()].sort(compare);
  await connections.transaction(async (tx) => {
    await tx`
      INSERT INTO download_versions (name, version, count)
      SELECT * FROM unnest(${tx.array(versions.map((entry) => entry.name))}::text[], ${tx.array(versions.map((entry) => entry.version))}::text[], ${tx.array(versions.map((entry) => String(entry.count)))}::bigint[])
      ON CONFLICT (name, version) DO UPDATE SET count = download_versions.count + excluded.count`;
    await tx`
      INSERT INTO download_days (name, day, count)
      SELECT name, ${dayOf(at)}::date, count FROM unnest(${tx.array(names)}::text[], ${tx.array(names.map((name) => String(byName.get(name))))}::bigint[]) AS added (name, count)
      ON CONFLICT (name, day) DO UPDATE SET count = download_days.count + excluded.count`;
    await tx`DELETE FROM download_days WHERE name = ANY(${tx.array(names)}::text[]) AND day < ${firstKeptDay(at)}::date`;
  });
}

/** The counts of `name` (empty when it has none). */
export async function getDownloads(connections: Connections, name: string): Promise<DownloadCounts> {
  assertPluginName(name);
  const sql = connections.current;
  const record = emptyDownloads();
  const versions = await sql<{ version: string; count: number }[]>`
    SELECT version, count::float8 AS count FROM download_versions WHERE name = ${name} LIMIT ${MAX_ROWS}`;
  for (const row of versions) record.versions[row.version] = row.count;
  const days = await sql<{ day: string; count: number }[]>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, count::float8 AS count FROM download_days WHERE name = ${name} ORDER BY day DESC LIMIT ${MAX_ROWS}`;
  for (const row of days) record.days[row.day] = row.count;
  return record;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
