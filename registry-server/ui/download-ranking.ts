/**
 * Download totals of every plugin, for the search page's "most downloaded"
 * order: read from the storage for each plugin of the list (eight at a
 * time), kept for a minute, and computed at most once at a time however many
 * visitors ask. Nothing is read until someone sorts by downloads.
 */
import type { PluginSummary } from '../../src/core/registry/index.js';
import type { ResolvedOptions } from '../options.js';

/** How long totals are reused before they are read again. */
export const RANKING_TTL_MS = 60_000;
const PARALLEL_READS = 8;

/** Totals by plugin name, read at most once a minute. */
export class DownloadRanking {
  readonly #options: ResolvedOptions;
  #totals: Promise<Map<string, number>> | undefined;
  #readAt = 0;

  constructor(options: ResolvedOptions) {
    this.#options = options;
  }

  /** The totals of `plugins` (0 for a plugin without downloads), at most a minute old. */
  totals(plugins: readonly PluginSummary[]): Promise<Map<string, number>> {
    const now = this.#options.now();
    if (this.#totals === undefined || now - this.#readAt >= RANKING_TTL_MS) {
      this.#readAt = now;
      const reading = this.#read(plugins);
      this.#totals = reading;
      reading.catch(() => {
        if (this.#totals === reading) this.#totals = undefined;
      });
    }
    return this.#totals;
  }

  async #read(plugins: readonly PluginSummary[]): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < plugins.length) {
        const name = (plugins[next++] as PluginSummary).name;
        const counts = await this.#options.storage.getDownloads(name);
        totals.set(
          name,
          Object.values(counts.versions).reduce((sum, count) => sum + count, 0),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, plugins.length) }, worker));
    return totals;
  }
}
