/**
 * A plugin's download counts as the stats route and the plugin page show
 * them: what the counter holds flushed to the storage, then the storage's
 * counts summed, the days limited to the last 30. Kept out of the routes so
 * the web pages read them without importing the route modules.
 */
import type { DownloadCounter } from './download-counter.js';
import type { ResolvedOptions } from './options.js';
import { firstKeptDay } from './storage/downloads.js';

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
