/**
 * Counting downloads: a GET of a bundle blob answered 200 (not HEAD, not a
 * 304) is one download of the version whose bundle it is. Blob URLs carry
 * only the digest, so the counter keeps an index digest → version, built
 * from the documents: at the first download, after each publish through this
 * registry, and (at most every `refreshMs`) when a digest it does not know
 * is served — another process sharing the storage published it — reading
 * only the documents whose `modified` changed since. A bundle several
 * versions share (identical bytes) counts for the version published first,
 * the one that brought those bytes, so the versions' counts add up to the
 * downloads. Blobs of no version's bundle (README and other text files,
 * blobs garbage collection has not removed yet) count nowhere.
 *
 * The hot path adds one to the version's pending count and to its metric
 * series; pending counts go to the storage (`addDownloads`) every
 * `flushMs`, when the stats route reads them, and on `close()`.
 */
import type { ValueCell } from '../src/core/metrics/index.js';
import type { PluginDocument } from '../src/core/registry/index.js';
import { bundleHex } from './documents.js';
import type { RegistryMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import { parseDocument } from './storage/snapshot.js';
import type { DownloadIncrement } from './storage/types.js';

/** Most distinct unknown digests waiting for the index to be refreshed (more are not counted). */
const MAX_UNRESOLVED = 10_000;

interface Owner {
  name: string;
  version: string;
  publishedAt: string;
  /** Downloads not yet handed to the storage. */
  pending: number;
  /** The metric series, bound at the first download. */
  cell: ValueCell | undefined;
}

/** Timing of the counter (mostly for tests). */
export interface DownloadCounterTiming {
  /** Longest time counts wait before they go to the storage (default 250 ms). */
  flushMs: number;
  /** Shortest time between two refreshes of the index for an unknown digest (default 5000 ms). */
  refreshMs: number;
}

/** Counts bundle downloads per version and hands them to the storage in batches. */
export class DownloadCounter {
  readonly #options: ResolvedOptions;
  readonly #metrics: RegistryMetrics;
  readonly #timing: DownloadCounterTiming;
  readonly #owners = new Map<string, Owner>();
  /** The `modified` of each document as indexed. */
  readonly #indexed = new Map<string, string>();
  readonly #unresolved = new Map<string, number>();
  readonly #dirty = new Set<Owner>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<void> | undefined;
  /** The batch being handed to the storage (resolves, never rejects). */
  #adding: Promise<void> = Promise.resolve();
  #lastRefresh = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: ResolvedOptions, metrics: RegistryMetrics, timing: Partial<DownloadCounterTiming> = {}) {
    this.#options = options;
    this.#metrics = metrics;
    this.#timing = { flushMs: timing.flushMs ?? 250, refreshMs: timing.refreshMs ?? 5000 };
  }

  /** Counts one download of the bundle blob `hex`. */
  count(hex: string): void {
    const owner = this.#owners.get(hex);
    if (owner !== undefined) {
      this.#credit(owner, 1);
      return;
    }
    const waiting = this.#unresolved.get(hex);
    if (waiting !== undefined) this.#unresolved.set(hex, waiting + 1);
    else if (this.#unresolved.size < MAX_UNRESOLVED) this.#unresolved.set(hex, 1);
    this.#scheduleRefresh();
  }

  /** Indexes a version just published through this registry. */
  noteVersion(name: string, version: string, entry: unknown): void {
    const hex = bundleHex(entry);
    const publishedAt = (entry as { publishedAt?: unknown }).publishedAt;
    if (hex !== undefined) this.#own(hex, name, version, typeof publishedAt === 'string' ? publishedAt : new Date(this.#options.now()).toISOString());
  }

  /**
   * Hands every pending count to the storage, after the look at the
   * documents under way, if any (what the stats route calls before it reads).
   */
  async flush(): Promise<void> {
    await this.#refreshing?.catch(() => undefined);
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const increments: DownloadIncrement[] = [];
    for (const owner of this.#dirty) {
      increments.push({ name: owner.name, version: owner.version, count: owner.pending });
      owner.pending = 0;
    }
    this.#dirty.clear();
    // Batches reach the storage one after another, and a flush resolves once every earlier batch is in.
    const added = this.#adding.then(() => (increments.length === 0 ? undefined : this.#add(increments)));
    this.#adding = added;
    await added;
  }

  /** Hands one batch to the storage; a refusal is logged (the counts are lost, never the request). */
  async #add(increments: DownloadIncrement[]): Promise<void> {
    try {
      await this.#options.storage.addDownloads(increments, this.#options.now());
    } catch (error) {
      this.#options.log({ level: 'error', message: `download counts: the storage refused ${increments.length} counts: ${(error as Error).message}`, error });
    }
  }

  /** Stops the timers, resolves the unknown digests once more, and flushes the counts to the storage. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refreshTimer);
    if (this.#unresolved.size > 0) await this.#refresh().catch(() => undefined);
    await this.#refreshing?.catch(() => undefined);
    await this.flush();
  }

  #credit(owner: Owner, count: number): void {
    owner.cell ??= this.#metrics.downloads.series({ plugin: owner.name, version: owner.version });
    owner.cell.value += count;
    owner.pending += count;
    this.#dirty.add(owner);
    if (this.#flushTimer === undefined && !this.#closed) {
      this.#flushTimer = background(setTimeout(() => void this.flush(), this.#timing.flushMs));
    }
  }

  #own(hex: string, name: string, version: string, publishedAt: string): void {
    const current = this.#owners.get(hex);
    if (current !== undefined && (current.publishedAt < publishedAt || (current.name === name && current.version === version))) return;
    // Counts already credited to a version that turns out not to be the first stay with it (it is still in #dirty).
    this.#owners.set(hex, { name, version, publishedAt, pending: 0, cell: undefined });
  }

  #scheduleRefresh(): void {
    if (this.#refreshing !== undefined || this.#refreshTimer !== undefined || this.#closed) return;
    const wait = this.#lastRefresh + this.#timing.refreshMs - this.#options.now();
    if (wait <= 0) {
      this.#startRefresh();
      return;
    }
    this.#refreshTimer = background(
      setTimeout(() => {
        this.#refreshTimer = undefined;
        this.#startRefresh();
      }, wait),
    );
  }

  #startRefresh(): void {
    this.#refresh().catch((error: unknown) => {
      this.#options.log({ level: 'error', message: `download counts: cannot read the documents: ${(error as Error).message}`, error });
    });
  }

  /** Indexes the documents that changed since the last refresh, then counts the digests that waited. */
  #refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        this.#lastRefresh = this.#options.now();
        const { storage } = this.#options;
        for (const summary of await storage.listPlugins()) {
          if (this.#indexed.get(summary.name) === summary.modified) continue;
          let document: PluginDocument | undefined;
          try {
            const snapshot = await storage.getDocument(summary.name);
            document = snapshot === undefined ? undefined : parseDocument(snapshot.bytes);
          } catch {
            // A damaged document (the read routes answer it 503 and log it) leaves only its own downloads uncounted.
            continue;
          }
          if (document === undefined) continue;
          for (const [version, entry] of Object.entries(document.versions ?? {})) {
            const hex = bundleHex(entry);
            if (hex !== undefined) this.#own(hex, summary.name, version, typeof entry?.publishedAt === 'string' ? entry.publishedAt : '');
          }
          this.#indexed.set(summary.name, summary.modified);
        }
      } finally {
        const waiting = [...this.#unresolved];
        this.#unresolved.clear();
        for (const [hex, count] of waiting) {
          const owner = this.#owners.get(hex);
          if (owner !== undefined) this.#credit(owner, count);
        }
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }
}

/** A timer that does not keep a runtime alive by itself, where timers can say so (Node's `unref`); the server's listener does. */
function background<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
