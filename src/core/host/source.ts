/**
 * Where a host gets plugin documents and bundles: the registry, revalidated
 * with ETags, with the document cache as a fallback when the registry cannot
 * be reached (stale-if-error), and the blob cache in front of downloads.
 * A load may use a cached document without asking the registry while it is
 * fresh by the Cache-Control the registry sent (DocumentOptions `load`, at most
 * registry/freshness.ts MAX_FRESHNESS_MS); checks for updates always ask.
 * `bundle` returns bytes verified against their integrity: downloaded bytes
 * once, before they are cached; cached bytes once, when they are read for
 * this load (a corrupted entry is dropped and downloaded again). The host
 * hands exactly those bytes to the loader without hashing them again.
 * A load does not wait for the cache: the documents and verified bundles it
 * fetched are written once it has imported them (`flush`, called as the
 * load ends), so that neither the next request nor the import competes with
 * the writes (in a browser, the first write also creates the IndexedDB
 * database); the load resolves while they run, and `settled` waits for
 * them (host.settled, host.close). A cache write that fails is a warning,
 * not a failed load, since the bytes in hand are verified; a write that
 * has not happened yet only makes the next load ask the registry (or the
 * cache's older copy) again. With a trust guard (HostOptions
 * `trustedKeys`), every document is asked for signed and verified before
 * the host acts on it — fresh, revalidated (304), used while fresh from the
 * cache or read from the cache offline — and only the verified envelope is
 * cached; a fresh cached envelope that no longer verifies is not used: the
 * registry is asked instead. With `authorKeys`,
 * `checkAuthor` refuses a version without the author signature its name
 * requires; the host calls it for every plugin of a load plan before it
 * fetches any bundle (host/plan.ts `fetchPlan`, the only caller of
 * `bundle`), so `bundle` does not check again.
 */
import type { Logger } from '../plugin/index.js';
import { parsePluginDocument, type PluginDocument, type VersionEntry } from '../registry/index.js';
import { isRegistryError, RegistryError } from '../errors/index.js';
import { checkIntegrity, verifyIntegrity } from '../integrity.js';
import { MAX_FRESHNESS_MS } from '../registry/freshness.js';
import type { BlobCache, CachedDocument, DocumentCache } from '../ports.js';
import type { RegistryClient } from '../registry/index.js';
import type { Envelope } from '../trust/index.js';
import type { AuthorCheck, TrustGuard } from '../trust/index.js';
import type { HostMetrics } from './metrics.js';

/** A document and whether it came from the cache because the registry was unreachable. */
export interface FetchedDocument {
  document: PluginDocument;
  stale: boolean;
  /** True when it came from the cache without asking the registry, fresh by its Cache-Control. */
  fresh?: boolean;
  /** True when the document cache had no copy of it: the host has not seen the plugin, and its bundles are unlikely to be cached. */
  unseen?: boolean;
}

/** Options of PluginSource.bundle. */
export interface BundleOptions {
  signal?: AbortSignal | undefined;
  /**
   * The plugin's document was not cached (FetchedDocument `unseen`): ask
   * the blob cache and the registry at once instead of one after the other;
   * a verified cached copy wins and the download is cancelled.
   */
  unseen?: boolean | undefined;
}

/** Options of PluginSource.document. */
export interface DocumentOptions {
  /**
   * The caller is a load, which calls `flush()` as it ends: a cached
   * document still fresh by its Cache-Control serves without asking the
   * registry, and the cache is written after the load's imports. Without
   * it (update checks), the registry is always asked and the cache written
   * before the document is returned.
   */
  load?: boolean;
  /** With `load`: ask the registry even when the cached copy is fresh (a fresh copy failed to resolve the load). */
  revalidate?: boolean;
}

/** Fetches documents and bundles for a host. */
export interface PluginSource {
  readonly registry: RegistryClient | undefined;
  /** Where loads are counted and timed (host/metrics.ts): this source counts cache outcomes and times downloads and verification. */
  readonly metrics: HostMetrics;
  document(name: string, signal?: AbortSignal, options?: DocumentOptions): Promise<FetchedDocument>;
  /** Refuses `name@version` when `authorKeys` require an author signature it does not carry (SignatureError). */
  checkAuthor(name: string, version: string, entry: VersionEntry): Promise<void>;
  /**
   * The bytes of `name@version` from the cache or downloaded, verified
   * against `entry.dist.integrity`; `checkAuthor` ran before. Downloaded
   * bytes are verified, and written to the cache once the load calls
   * `flush` (a failed write is a warning). Only loads call it.
   */
  bundle(name: string, version: string, entry: VersionEntry, options?: BundleOptions): Promise<Uint8Array>;
  /** Starts the cache writes that loads left for later, in a task of their own (a load calls it as it ends, its imports done, so they start once it has resolved); does not wait for them. */
  flush(): void;
  /** Starts what `flush` starts, then resolves once every cache write begun is done (never rejects: a failed write was logged). */
  settled(): Promise<void>;
}

/** A 304 rewrites the cached entry's fetchedAt at most this often, sparing a disk write per load. */
const REFRESH_FETCHED_AT_MS = 60_000;

/** True when `entry` may be used without asking the registry at `now`: within the freshness it was given, the clock not set back since. */
function isFresh(entry: CachedDocument, now: number): boolean {
  const { fetchedAt, freshUntil } = entry;
  return freshUntil !== undefined && fetchedAt <= now && now < freshUntil && freshUntil - fetchedAt <= MAX_FRESHNESS_MS;
}

/** The freshness fields of a cache entry written at `now` for an answer fresh for `freshMs`. */
function freshness(now: number, freshMs: number): { fetchedAt: number; freshUntil?: number } {
  return freshMs > 0 ? { fetchedAt: now, freshUntil: now + freshMs } : { fetchedAt: now };
}

/** True for failures where a cached copy should be used instead: network errors and 5xx answers. */
function registryDown(error: unknown): boolean {
  return isRegistryError(error) && (error.unreachable || (error.status !== undefined && error.status >= 500));
}

/** Creates the source a host loads from. */
export function createPluginSource(init: {
  registry: RegistryClient | undefined;
  cache: BlobCache;
  documents: DocumentCache;
  log: Logger;
  maxBundleBytes: number;
  /** Verifies signed documents; undefined when the host trusts unsigned ones. */
  trust?: TrustGuard | undefined;
  /** Refuses versions without a required author signature. */
  authors?: AuthorCheck | undefined;
  metrics: HostMetrics;
}): PluginSource {
  const { registry, cache, documents, log, trust, authors, metrics } = init;
  /** Cache writes still running or waiting for `flush`, each logging its own failure. */
  const writes = new Set<Promise<void>>();
  /** What starts each write a load left for later. */
  let waiting: Array<() => void> = [];

  /** Starts the writes left for later, now. */
  function startWaiting(): void {
    const starting = waiting;
    waiting = [];
    for (const go of starting) go();
  }

  /** Starts the writes left for later in a task of their own, once the load that calls it has resolved to its caller. */
  function flush(): void {
    if (waiting.length > 0) setTimeout(startWaiting, 0);
  }

  /** Starts the writes left for later and resolves once every write begun is done. */
  async function settled(): Promise<void> {
    while (writes.size > 0) {
      startWaiting();
      await Promise.all(writes);
    }
  }

  /**
   * Runs a cache write, at once or, for a load (`later`), once `flush`
   * starts it; a failure is logged (the bytes in hand are verified), never
   * thrown.
   */
  function write(what: string, start: () => Promise<void>, later: boolean): Promise<void> {
    const begun = later ? new Promise<void>((go) => waiting.push(go)).then(start) : start();
    const pending: Promise<void> = begun.then(
      () => void writes.delete(pending),
      (error: unknown) => {
        writes.delete(pending);
        log.warn(`${what} could not be cached; the load goes on and the next one fetches it again: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    writes.add(pending);
    return pending;
  }

  /** The document of a cached entry, verified again when the host requires signatures. */
  async function fromCache(entry: CachedDocument, url: string, offline: boolean): Promise<PluginDocument> {
    if (!trust) return entry.document;
    const payload = await trust.document(entry.name, entry.envelope, { url, offline });
    return parsePluginDocument(payload.document, entry.name, { url });
  }

  /** A fresh cached entry's document, verified as any other; undefined when it no longer verifies (the registry is asked then). */
  async function fromFresh(entry: CachedDocument, url: string): Promise<PluginDocument | undefined> {
    try {
      return await fromCache(entry, url, false);
    } catch (error) {
      log.debug(`${entry.name}: the cached document is fresh but does not verify any more, asking ${url}: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** The verified bytes of `integrity` from the blob cache; a corrupted entry is removed (`corrupted`) and counts as absent. */
  async function fromBlobCache(name: string, version: string, integrity: string): Promise<{ bytes?: Uint8Array; corrupted: boolean }> {
    const cached = await cache.get(integrity);
    if (!cached) return { corrupted: false };
    const checking = metrics.clock();
    const intact = await checkIntegrity(cached, integrity);
    metrics.phase(name, 'verify', checking);
    if (intact) {
      metrics.cache(name, 'bundle', 'hit');
      return { bytes: cached, corrupted: false };
    }
    log.warn(`${name}@${version}: cached bundle ${integrity} is corrupted; removing it and downloading again`);
    await cache.delete(integrity);
    return { corrupted: true };
  }

  /** The error of a download that was to replace a corrupted cached bundle. */
  function redownloadFailure(name: string, version: string, entry: VersionEntry, error: unknown): unknown {
    if (!isRegistryError(error)) return error;
    return new RegistryError(`${name}@${version}: the cached bundle was corrupted and removed, and downloading it again failed: ${error.message}`, {
      method: error.method,
      ...(error.status !== undefined ? { status: error.status } : {}),
      url: requireRegistry(name).blobUrl(entry.dist),
      plugin: name,
      version,
      unreachable: error.unreachable,
      cause: error,
    });
  }

  /**
   * Downloads the bundle, verifies it against its integrity and, once it
   * passed, leaves its write to the blob cache to `flush` (only verified
   * bytes are ever cached), and to after `writeAfter` when given.
   */
  async function download(
    name: string,
    version: string,
    entry: VersionEntry,
    signal: AbortSignal | undefined,
    corrupted: boolean,
    writeAfter?: Promise<unknown>,
  ): Promise<Uint8Array> {
    const { integrity } = entry.dist;
    const client = requireRegistry(name);
    let bytes: Uint8Array;
    const downloading = metrics.clock();
    try {
      bytes = await client.download(entry.dist, {
        maxBytes: Math.min(entry.dist.size, init.maxBundleBytes),
        plugin: name,
        version,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw corrupted ? redownloadFailure(name, version, entry, error) : error;
    }
    const verifying = metrics.clock();
    metrics.phase(name, 'download', downloading);
    await verifyIntegrity(bytes, integrity, { plugin: name, version, url: client.blobUrl(entry.dist) });
    metrics.phase(name, 'verify', verifying);
    metrics.cache(name, 'bundle', 'miss');
    const put = () => cache.put(integrity, bytes);
    void write(`${name}@${version}: the bundle ${integrity}`, writeAfter ? () => writeAfter.then(put, put) : put, true);
    return bytes;
  }

  function requireRegistry(name: string): RegistryClient {
    if (registry) return registry;
    throw new RegistryError(`${name}: no registry is configured for this host (pass the registry option)`, {
      method: 'GET',
      plugin: name,
    });
  }

  return {
    registry,
    metrics,

    async document(name, signal, options = {}) {
      const client = requireRegistry(name);
      // An update check sees what the loads before it fetched: it lets their cache writes finish first.
      if (!options.load) await settled();
      const cached = await documents.get(client.url, name);
      // A cached entry without an envelope cannot serve a host that requires signatures.
      const usable = cached && (!trust || cached.envelope) ? cached : undefined;
      let rejected = false;
      if (options.load && !options.revalidate && usable && isFresh(usable, Date.now())) {
        const document = await fromFresh(usable, client.documentUrl(name));
        if (document) {
          metrics.cache(name, 'document', 'hit');
          return { document, stale: false, fresh: true };
        }
        rejected = true;
      }
      try {
        // A fresh copy that failed verification is not revalidated (a 304 would hand it back): the registry sends the document.
        const etag = usable?.etag && !rejected ? usable.etag : undefined;
        const verify = trust && ((envelope: Envelope | undefined, url: string) => trust.document(name, envelope, { url }));
        // With a cached copy to fall back on, a registry that does not answer is not retried: the
        // cached copy serves at once (stale-if-error) instead of after the retries' backoff.
        const result = await client.getDocument(name, {
          ...(etag ? { etag } : {}),
          signal,
          ...(verify ? { signed: true, verify } : {}),
          ...(cached ? { retry: 0 } : {}),
        });
        if (result.status === 304 && usable && etag) {
          const document = await fromCache(usable, result.url, false);
          const now = Date.now();
          // Written when it extends the freshness, else at most once a minute, sparing a disk write per load.
          if (result.freshMs > 0 || now - usable.fetchedAt > REFRESH_FETCHED_AT_MS) {
            const next: CachedDocument = { ...usable, ...freshness(now, result.freshMs) };
            if (result.freshMs === 0) delete next.freshUntil;
            const writing = write(`${name}: the revalidated document`, () => documents.put(next), options.load === true);
            if (!options.load) await writing;
          }
          metrics.cache(name, 'document', 'revalidated');
          return { document, stale: false };
        }
        if (result.status === 304) {
          throw new RegistryError(`${name}: registry answered 304 for a document this host has not cached (${result.url})`, {
            method: 'GET',
            status: 304,
            url: result.url,
            plugin: name,
          });
        }
        const { document } = result;
        const entry: CachedDocument = {
          registry: client.url,
          name,
          document,
          ...(result.etag ? { etag: result.etag } : {}),
          ...(trust && result.envelope ? { envelope: result.envelope } : {}),
          ...freshness(Date.now(), result.freshMs),
        };
        const writing = write(`${name}: the document`, () => documents.put(entry), options.load === true);
        if (!options.load) await writing;
        metrics.cache(name, 'document', 'miss');
        return { document, stale: false, ...(cached ? {} : { unseen: true }) };
      } catch (error) {
        if (!registryDown(error)) throw error;
        const failure = error as RegistryError;
        if (!cached) {
          throw new RegistryError(`${name}: the registry at ${client.url} is unreachable and this plugin is not cached (${failure.message})`, {
            method: failure.method,
            ...(failure.status !== undefined ? { status: failure.status } : {}),
            url: failure.url ?? client.documentUrl(name),
            plugin: name,
            unreachable: failure.unreachable,
            cause: error,
          });
        }
        const document = await fromCache(cached, client.documentUrl(name), true);
        log.warn(`${name}: registry unreachable, using the cached document (${failure.message})`);
        metrics.cache(name, 'document', 'offline');
        return { document, stale: true };
      }
    },

    flush,

    settled,

    async checkAuthor(name, version, entry) {
      await authors?.(name, version, entry);
    },

    async bundle(name, version, entry, options = {}) {
      const { signal } = options;
      signal?.throwIfAborted();
      if (!options.unseen) {
        const cached = await fromBlobCache(name, version, entry.dist.integrity);
        return cached.bytes ?? download(name, version, entry, signal, cached.corrupted);
      }
      // Both at once: the download is cancelled when the cache has verified bytes.
      const downloadSignal = new AbortController();
      const onAbort = () => downloadSignal.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      // The request goes out first; the download's cache write waits for the lookup, which may remove a corrupted copy.
      let lookedUp!: (lookup: Promise<unknown>) => void;
      const downloading = download(name, version, entry, downloadSignal.signal, false, new Promise((resolve) => (lookedUp = resolve)));
      downloading.catch(() => undefined);
      const lookup = fromBlobCache(name, version, entry.dist.integrity);
      lookedUp(lookup.catch(() => undefined));
      const fromCache = lookup.then(
        (cached) =>
          cached.bytes ??
          downloading.catch((error: unknown) => {
            throw cached.corrupted ? redownloadFailure(name, version, entry, error) : error;
          }),
      );
      try {
        // The first verified bytes win: the download's when it ends before the lookup, else the cache's (or, on a miss, the download's).
        return await Promise.race([fromCache, downloading.catch(() => fromCache)]);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        // Cancels a download still running (the cache's copy won, or the lookup failed); one that ended is not affected.
        downloadSignal.abort(new Error(`${name}@${version}: the cached bundle is used`));
      }
    },
  };
}
