/**
 * GET /v1/plugins/:name/stats — a plugin's download counts, kept apart from
 * its document (the document's ETag would change with every download):
 * `{ name, downloads: { total, versions, last30Days, days } }`, `days` by
 * UTC day for the last 30 days. A 404 for a plugin never published here.
 */
import type { Context } from 'hono';
import type { DownloadCounter } from '../download-counter.js';
import { HttpError } from '../http/errors.js';
import { CORS_READ_HEADERS, jsonResponse } from '../http/responses.js';
import type { ResolvedOptions } from '../options.js';
import { firstKeptDay } from '../storage/downloads.js';
import { pluginNameParam } from './params.js';

const STATS_CACHE = 'public, max-age=10';

/** The answer of the stats route. */
export interface PluginStats {
  name: string;
  downloads: {
    /** Every download of every version. */
    total: number;
    /** Downloads by version (versions never downloaded are left out). */
    versions: Record<string, number>;
    /** Downloads in the last 30 UTC days, today included. */
    last30Days: number;
    /** Downloads by UTC day (`YYYY-MM-DD`), the last 30 days; days without any are left out. */
    days: Record<string, number>;
  };
}

/** The download counts of `name` as the stats route answers them (what the counter holds is flushed to the storage first). */
export async function readDownloads(options: ResolvedOptions, counter: DownloadCounter, name: string): Promise<PluginStats['downloads']> {
  await counter.flush();
  const counts = await options.storage.getDownloads(name);
  const first = firstKeptDay(options.now());
  const days: Record<string, number> = {};
  let last30Days = 0;
  for (const day of Object.keys(counts.days).sort()) {
    if (day < first) continue;
    days[day] = counts.days[day] as number;
    last30Days += days[day];
  }
  const versions: Record<string, number> = {};
  let total = 0;
  for (const [version, count] of Object.entries(counts.versions)) {
    versions[version] = count;
    total += count;
  }
  return { total, versions, last30Days, days };
}

/** GET /v1/plugins/:name/stats */
export function getStats(options: ResolvedOptions, counter: DownloadCounter) {
  const headers = { ...CORS_READ_HEADERS, 'cache-control': STATS_CACHE };
  return async (c: Context): Promise<Response> => {
    const name = pluginNameParam(c);
    if ((await options.storage.getDocument(name)) === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no plugin named ${name} is published here`);
    const body: PluginStats = { name, downloads: await readDownloads(options, counter, name) };
    return jsonResponse(200, body, headers);
  };
}
