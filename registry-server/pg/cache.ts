/**
 * What a PostgreSQL store keeps in process memory: recently read documents
 * (bounded by bytes) and the sorted list of summaries. Every server LISTENs
 * on the documents channel; a commit NOTIFYs the plugin name in its
 * transaction, and each server drops that plugin's cached document and its
 * list on the notification, so a change on one server is served by every
 * other as soon as the notification arrives. Should notifications be lost
 * (the listening connection drops and reconnects), nothing cached is older
 * than `maxAgeMs` (default 1 s), and a reconnection drops everything.
 */
import type { PluginSummary } from '../../src/core/registry/index.js';
import { SizedLru } from '../storage/lru.js';
import type { DocumentSnapshot } from '../storage/types.js';

interface CachedDocument {
  /** undefined: the plugin has no document. */
  snapshot: DocumentSnapshot | undefined;
  readAt: number;
}

/** Documents and the list, dropped on notifications. */
export class DocumentCache {
  readonly #documents: SizedLru<CachedDocument>;
  readonly #maxAgeMs: number;
  #list: { summaries: PluginSummary[]; readAt: number } | undefined;
  /** Moves on every drop, so that a read that began before one does not cache what it read. */
  #generation = 0;

  constructor(maxBytes: number, maxAgeMs: number) {
    this.#documents = new SizedLru<CachedDocument>(maxBytes, (entry) => (entry.snapshot?.bytes.byteLength ?? 0) + 64);
    this.#maxAgeMs = maxAgeMs;
  }

  get generation(): number {
    return this.#generation;
  }

  /** The cached document of `name` while it is young enough; `{ snapshot: undefined }` when it is cached as absent. */
  getDocument(name: string): { snapshot: DocumentSnapshot | undefined } | undefined {
    const entry = this.#documents.get(name);
    if (entry === undefined || Date.now() - entry.readAt >= this.#maxAgeMs) return undefined;
    return entry;
  }

  /** Caches what a read that began in `generation` found, unless something changed since. */
  setDocument(name: string, snapshot: DocumentSnapshot | undefined, generation: number, readAt: number): void {
    if (generation === this.#generation) this.#documents.set(name, { snapshot, readAt });
  }

  getList(): PluginSummary[] | undefined {
    const list = this.#list;
    return list === undefined || Date.now() - list.readAt >= this.#maxAgeMs ? undefined : list.summaries;
  }

  /** Caches a list read that began in `generation`; keeps the array it had when the summaries are the same (the signer relies on it). */
  setList(summaries: PluginSummary[], generation: number, readAt: number): PluginSummary[] {
    const previous = this.#list?.summaries;
    const kept = previous !== undefined && JSON.stringify(previous) === JSON.stringify(summaries) ? previous : summaries;
    if (generation === this.#generation) this.#list = { summaries: kept, readAt };
    return kept;
  }

  /** Drops what is cached of `name` (a change was committed), and the list. */
  drop(name: string): void {
    this.#generation++;
    this.#documents.delete(name);
    this.#list = this.#list === undefined ? undefined : { summaries: this.#list.summaries, readAt: Number.NEGATIVE_INFINITY };
  }

  /** Drops every document and the list (notifications may have been missed). */
  dropAll(): void {
    this.#generation++;
    this.#documents.clear();
    this.#list = this.#list === undefined ? undefined : { summaries: this.#list.summaries, readAt: Number.NEGATIVE_INFINITY };
  }
}
