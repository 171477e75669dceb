/**
 * The registry's signer: turns a plugin document, a page of the plugin list
 * or a keys version into the signed envelope served for it. Each signed
 * answer is cached in memory (like documents are), so the hot path is a Map
 * lookup; it is signed again — with its version counter bumped and
 * persisted — when what it covers changed, when its `expires` is less than
 * `renewMs` away, or when the active keys changed. Another process's
 * signature (a second server, `plughub export`, `plughub keys rotate`) is
 * picked up within `revalidateMs`.
 *
 * The list is signed lazily, page by page (list-pages.ts): a change only
 * marks it changed (a new layout, laid out in slices that yield to the event
 * loop); page 0 is signed — its record and counter persisted as the list's —
 * when it is next asked for, and every other page, with page 0's version,
 * only when it is asked for (kept in memory: any process signs it again from
 * the same layout and version).
 */
import type { PluginSummary } from '../../src/core/registry/index.js';
import {
  DOCUMENT_PAYLOAD_TYPE,
  LIST_PAYLOAD_TYPE,
  signEnvelope,
  type DocumentPayload,
  type GeneratedSigningKey,
  type Payload,
} from '../../src/core/trust/index.js';
import { parseDocument, snapshotOfBytes } from '../storage/snapshot.js';
import type { DocumentSnapshot } from '../storage/types.js';
import { ensureKeyring, reloadKeyring, renewKeys, type LoadedKeyring } from './keyring.js';
import { layoutList, listPagePayload, type ListLayout } from './list-pages.js';
import type { SignedRecord, SigningStore } from './store.js';

const DAY = 24 * 60 * 60 * 1000;
const encoder = new TextEncoder();

/** The `signing` option of createRegistry. */
export interface SigningOptions {
  /** Keys, keys versions and counters (createFsSigningStore, createMemorySigningStore). */
  store: SigningStore;
  /** Identity used when the keyring is created (default `plughub:` + its first keyid). */
  registry?: string;
  /** A key to create the keyring with instead of a generated one. */
  key?: GeneratedSigningKey;
  /** How long a signature is valid (default 7 days). */
  ttlMs?: number;
  /** Re-sign what expires sooner than this (default 1 day). */
  renewMs?: number;
  /** Longest time an answer is served before the store is checked for a newer one (default 1000 ms). */
  revalidateMs?: number;
}

/** A signed envelope ready to serve. */
export interface SignedAnswer {
  /** The envelope as JSON (UTF-8). */
  bytes: Uint8Array;
  etag: string;
  version: number;
  /** The payload's `expires`, in ms since the epoch. */
  expiresAt: number;
}

interface Cached {
  source: string;
  keyids: string;
  answer: SignedAnswer;
  checkedAt: number;
}

/** A signed page of the plugin list: page `page` of `pages`. */
export interface SignedListPage extends SignedAnswer {
  page: number;
  pages: number;
}

/** How one sign call may differ from the defaults. */
export interface SignOptions {
  /** Sign anew even if the current signature is still good (export does, with its own ttl). */
  force?: boolean;
  ttlMs?: number;
}

async function answerOf(envelope: string, version: number, expires: string): Promise<SignedAnswer> {
  const snapshot = await snapshotOfBytes(encoder.encode(envelope));
  return { bytes: snapshot.bytes, etag: snapshot.etag, version, expiresAt: Date.parse(expires) };
}

/** Signs and caches the registry's envelopes; see the module comment. */
export class Signer {
  readonly #store: SigningStore;
  readonly #options: SigningOptions;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #renewMs: number;
  readonly #revalidateMs: number;
  readonly #cache = new Map<string, Cached>();
  readonly #keysCache = new Map<number, SignedAnswer>();
  #loaded: Promise<LoadedKeyring> | undefined;
  #keyringCheckedAt = 0;
  /** The layout of the last list asked for (the storage hands out the same array while the list is unchanged). */
  #layout: { plugins: readonly PluginSummary[]; layout: Promise<ListLayout> } | undefined;
  /** Signed list pages after the first, by page number. */
  readonly #pages = new Map<number, Cached>();
  /** Pages being signed, so that concurrent requests share one signature. */
  readonly #pagesSigning = new Map<string, Promise<SignedAnswer>>();

  constructor(options: SigningOptions, now: () => number = Date.now) {
    this.#store = options.store;
    this.#options = options;
    this.#now = now;
    this.#ttlMs = options.ttlMs ?? 7 * DAY;
    this.#renewMs = options.renewMs ?? DAY;
    this.#revalidateMs = options.revalidateMs ?? 1000;
  }

  /** The keyring, created on first use, reloaded when another process changed it. */
  async keyring(): Promise<LoadedKeyring> {
    if (this.#loaded === undefined) {
      const setup = { ttlMs: this.#ttlMs, now: this.#now(), ...pick(this.#options) };
      this.#loaded = ensureKeyring(this.#store, setup);
      this.#loaded.catch(() => (this.#loaded = undefined));
      this.#keyringCheckedAt = Date.now();
      return this.#loaded;
    }
    if (Date.now() - this.#keyringCheckedAt >= this.#revalidateMs) {
      this.#keyringCheckedAt = Date.now();
      const current = await this.#loaded;
      const next = await reloadKeyring(this.#store, current);
      if (next !== current) this.#loaded = Promise.resolve(next);
    }
    return this.#loaded;
  }

  /** The signed envelope of a plugin document. */
  document(name: string, snapshot: DocumentSnapshot, options: SignOptions = {}): Promise<SignedAnswer> {
    return this.#signed(
      `plugin:${name}`,
      snapshot.etag,
      DOCUMENT_PAYLOAD_TYPE,
      options,
      (base): DocumentPayload => ({
        type: 'document',
        ...base,
        name,
        document: parseDocument(snapshot.bytes),
      }),
    );
  }

  /** The signed envelope of the plugin list's first page (the whole list when it fits one page). */
  async list(plugins: readonly PluginSummary[], options: SignOptions = {}): Promise<SignedListPage> {
    return (await this.listPage(plugins, 0, options))!;
  }

  /** The signed envelope of page `page` of the plugin list (`plugins` sorted by name); undefined past its last page. */
  async listPage(plugins: readonly PluginSummary[], page: number, options: SignOptions = {}): Promise<SignedListPage | undefined> {
    const layout = await this.#layoutOf(plugins);
    const pages = layout.pages.length;
    if (!Number.isSafeInteger(page) || page < 0 || page >= pages) return undefined;
    const head = await this.#signed('list', layout.source, LIST_PAYLOAD_TYPE, options, (base) => listPagePayload(base, layout, 0));
    const answer = page === 0 ? head : await this.#page(layout, page, head.version, options);
    return { ...answer, page, pages };
  }

  #layoutOf(plugins: readonly PluginSummary[]): Promise<ListLayout> {
    if (this.#layout?.plugins !== plugins) {
      const layout = layoutList(plugins);
      this.#layout = { plugins, layout };
      layout.catch(() => {
        if (this.#layout?.layout === layout) this.#layout = undefined;
      });
    }
    return this.#layout.layout;
  }

  /** Page `page` (> 0) of `layout`, signed with the list's `version`, in memory only. */
  async #page(layout: ListLayout, page: number, version: number, options: SignOptions): Promise<SignedAnswer> {
    const loaded = await this.keyring();
    const keyids = loaded.keyring.active.join(',');
    const source = `${layout.source}@${version}`;
    const cached = this.#pages.get(page);
    if (
      options.force !== true &&
      cached !== undefined &&
      cached.source === source &&
      cached.keyids === keyids &&
      cached.answer.expiresAt - this.#now() > this.#renewMs
    ) {
      return cached.answer;
    }
    const key = `${source}#${page}#${keyids}#${options.ttlMs ?? ''}`;
    let signing = options.force === true ? undefined : this.#pagesSigning.get(key);
    if (signing === undefined) {
      signing = (async () => {
        const expires = new Date(this.#now() + (options.ttlMs ?? this.#ttlMs)).toISOString();
        const payload = listPagePayload({ registry: loaded.keyring.registry, version, expires }, layout, page);
        const envelope = await signEnvelope(LIST_PAYLOAD_TYPE, payload, loaded.signers);
        const answer = await answerOf(JSON.stringify(envelope), version, expires);
        for (const stale of this.#pages.keys()) if (stale >= layout.pages.length) this.#pages.delete(stale);
        this.#pages.set(page, { source, keyids, answer, checkedAt: Date.now() });
        return answer;
      })().finally(() => this.#pagesSigning.delete(key));
      this.#pagesSigning.set(key, signing);
    }
    return signing;
  }

  /** Keys envelope `version`, or the newest one (renewed first when it is about to expire); undefined when there is none. */
  async keys(version?: number): Promise<SignedAnswer | undefined> {
    const loaded = await this.keyring();
    const newest = loaded.keyring.keysVersion;
    const wanted = version ?? newest;
    if (!Number.isSafeInteger(wanted) || wanted < 1 || wanted > newest) return undefined;
    let answer = this.#keysCache.get(wanted);
    if (answer === undefined) {
      const text = await this.#store.readKeysEnvelope(wanted);
      if (text === undefined) return undefined;
      const payload = JSON.parse((JSON.parse(text) as { payload: string }).payload) as Payload;
      answer = await answerOf(text, wanted, payload.expires);
      this.#keysCache.set(wanted, answer);
    }
    if (version === undefined && answer.expiresAt - this.#now() < this.#renewMs) {
      await renewKeys(this.#store, newest, { ttlMs: this.#ttlMs, now: this.#now() });
      this.#keyringCheckedAt = 0;
      return this.keys();
    }
    return answer;
  }

  /** The newest keys envelope, renewed (as a new keys version) unless it holds for `ttlMs` more. */
  async keysValidFor(ttlMs: number): Promise<SignedAnswer | undefined> {
    const newest = await this.keys();
    if (newest === undefined || newest.expiresAt - this.#now() >= ttlMs) return newest;
    await renewKeys(this.#store, newest.version, { ttlMs, now: this.#now() });
    this.#keyringCheckedAt = 0;
    return this.keys();
  }

  async #signed(
    key: string,
    source: string,
    payloadType: string,
    options: SignOptions,
    build: (base: { registry: string; version: number; expires: string }) => Payload,
  ): Promise<SignedAnswer> {
    const loaded = await this.keyring();
    const now = this.#now();
    const keyids = loaded.keyring.active.join(',');
    const cached = this.#cache.get(key);
    const good = (source2: string, keyids2: string, expiresAt: number) =>
      options.force !== true && source2 === source && keyids2 === keyids && expiresAt - now > this.#renewMs;
    if (cached !== undefined && good(cached.source, cached.keyids, cached.answer.expiresAt) && Date.now() - cached.checkedAt < this.#revalidateMs) {
      return cached.answer;
    }
    const usable = (record: SignedRecord | undefined): boolean =>
      record !== undefined && good(record.source, record.keyids.join(','), Date.parse(record.expires));
    const stored = await this.#store.readRecord(key);
    const record: SignedRecord =
      stored !== undefined && usable(stored)
        ? stored
        : await this.#store.withLock(key, async () => {
            const current = await this.#store.readRecord(key);
            if (current !== undefined && usable(current)) return current;
            const version = (current?.version ?? 0) + 1;
            const expires = new Date(now + (options.ttlMs ?? this.#ttlMs)).toISOString();
            const envelope = await signEnvelope(payloadType, build({ registry: loaded.keyring.registry, version, expires }), loaded.signers);
            const next: SignedRecord = { version, source, expires, keyids: loaded.keyring.active, envelope: JSON.stringify(envelope) };
            await this.#store.writeRecord(key, next);
            return next;
          });
    const answer =
      cached !== undefined && cached.answer.version === record.version && cached.source === record.source
        ? cached.answer
        : await answerOf(record.envelope, record.version, record.expires);
    if (this.#cache.size >= 10_000) this.#cache.clear();
    this.#cache.set(key, { source: record.source, keyids: record.keyids.join(','), answer, checkedAt: Date.now() });
    return answer;
  }
}

function pick(options: SigningOptions): { registry?: string; key?: GeneratedSigningKey } {
  return {
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
  };
}
