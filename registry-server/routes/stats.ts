/**
 * GET /v1/plugins/:name/stats — a plugin's download counts, kept apart from
 * its document (the document's ETag would change with every download):
 * `{ name, downloads: { total, versions, last30Days, days } }`, `days` by
 * UTC day for the last 30 days. A 404 for a plugin never published here.
 */
import type { Context } from 'hono';
import type { DownloadCounter } from '../download-counter.js';
import { type PluginStats, readDownloads } from '../download-stats.js';
import { HttpError } from '../http/errors.js';
import { CORS_READ_HEADERS, jsonResponse } from '../http/responses.js';
import type { ResolvedOptions } from '../options.js';
import { pluginNameParam } from './params.js';

const STATS_CACHE = 'public, max-age=10';

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
