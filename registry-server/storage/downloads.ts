/**
 * Download counts as every storage driver keeps them: per plugin, a count
 * per version and a count per UTC day for the last DOWNLOAD_DAYS days (older
 * days are dropped when counts are added, so a plugin's record stays
 * bounded: its versions, which a document bounds, and 30 days). Pure
 * functions shared by the drivers: adding increments, reading a stored
 * record (hostile bytes: checked, bounded) and serializing it.
 */
import { assertPluginName } from './snapshot.js';
import type { DownloadCounts, DownloadIncrement } from './types.js';

/** How many UTC days of daily counts a record keeps (the day of the newest count and the 29 before it). */
export const DOWNLOAD_DAYS = 30;

/** The largest stored record read (a record of 1,000 versions and 30 days is far smaller). */
export const MAX_DOWNLOADS_RECORD_BYTES = 1024 * 1024;

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTC day (`YYYY-MM-DD`) of a time in ms since the epoch. */
export function dayOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The first day a record keeps when its newest count is on `day`. */
export function firstKeptDay(at: number): string {
  return dayOf(at - (DOWNLOAD_DAYS - 1) * DAY_MS);
}

/** An empty record. */
export function emptyDownloads(): DownloadCounts {
  return { versions: Object.create(null) as Record<string, number>, days: Object.create(null) as Record<string, number> };
}

/** Adds `count` downloads of `version` on the day of `at` to `record` (changed in place), dropping days too old to keep. */
export function addToRecord(record: DownloadCounts, version: string, count: number, at: number): void {
  record.versions[version] = (record.versions[version] ?? 0) + count;
  const day = dayOf(at);
  record.days[day] = (record.days[day] ?? 0) + count;
  pruneDays(record, at);
}

/** Adds every count of `from` to `into` (changed in place); days are pruned against `at`. */
export function mergeRecords(into: DownloadCounts, from: DownloadCounts, at: number): void {
  for (const [version, count] of Object.entries(from.versions)) into.versions[version] = (into.versions[version] ?? 0) + count;
  for (const [day, count] of Object.entries(from.days)) into.days[day] = (into.days[day] ?? 0) + count;
  pruneDays(into, at);
}

/** Drops the days before the window that ends on the day of `at`. */
export function pruneDays(record: DownloadCounts, at: number): void {
  const first = firstKeptDay(at);
  for (const day of Object.keys(record.days)) if (day < first) delete record.days[day];
}

/** Throws a TypeError unless every increment is valid (checked before any is added, so a bad batch adds nothing). */
export function assertIncrements(increments: readonly DownloadIncrement[]): void {
  for (const increment of increments) {
    assertPluginName(increment.name);
    assertIncrement(increment);
  }
}

/** Throws a TypeError unless an increment is a valid name, a version string and a positive safe integer. */
export function assertIncrement(increment: DownloadIncrement): void {
  const { version, count } = increment;
  if (typeof version !== 'string' || version === '' || version.length > 256) throw new TypeError(`invalid version ${JSON.stringify(version)}`);
  if (!Number.isSafeInteger(count) || count <= 0) throw new TypeError(`invalid download count ${count} for ${increment.name}@${version}`);
}

/** The stored bytes of a record. */
export function serializeDownloads(record: DownloadCounts): Uint8Array {
  return encoder.encode(JSON.stringify({ versions: record.versions, days: record.days }));
}

/**
 * The record stored as `bytes`; throws a TypeError naming the problem when
 * they are not one (not JSON, a count that is not a non-negative safe
 * integer, a day that is not `YYYY-MM-DD`).
 */
export function parseDownloads(bytes: Uint8Array): DownloadCounts {
  const value = JSON.parse(decoder.decode(bytes)) as unknown;
  if (typeof value !== 'object' || value === null) throw new TypeError('a downloads record must be an object');
  const { versions, days } = value as { versions?: unknown; days?: unknown };
  return { versions: countsOf(versions, 'versions', () => true), days: countsOf(days, 'days', (key) => DAY.test(key)) };
}

function countsOf(value: unknown, field: string, validKey: (key: string) => boolean): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${field} must be an object of counts`);
  const counts: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [key, count] of Object.entries(value)) {
    if (!validKey(key) || !Number.isSafeInteger(count) || (count as number) < 0) throw new TypeError(`${field}: ${JSON.stringify(key)} is not a valid count`);
    counts[key] = count as number;
  }
  return counts;
}
