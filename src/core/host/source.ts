/**
 * Where a host gets plugin documents and bundles: the registry, revalidated
 * with ETags, with the document cache as a fallback when the registry cannot
 * be reached (stale-if-error), and the blob cache in front of downloads.
 * `bundle` returns bytes verified against their integrity: downloaded bytes
 * once, before they are cached; cached bytes once, when they are read for
 * this load (a corrupted entry is dropped and downloaded again). The host
 * hands exactly those bytes to the loader without hashing them again. With a trust guard (HostOptions
 * `trustedKeys`), every document is asked for signed and verified before
 * the host acts on it — fresh, revalidated (304) or read from the cache
 * offline — and only the verified envelope is cached. With `authorKeys`,
 * `checkAuthor` refuses a version without the author signature its name
 * requires; the host calls it for every plugin of a load plan before it
 * fetches any bundle (host/plan.ts `fetchPlan`, the only caller of
 * `bundle`), so `bundle` does not check again.
 */
import type { Logger } from '../plugin/index.js';
import { parsePluginDocument, type PluginDocument, type VersionEntry } from '../registry/index.js';
import { isRegistryError, RegistryError } from '../errors/index.js';
import { checkIntegrity, verifyIntegrity } from '../integrity.js';
import type { BlobCache, CachedDocument, DocumentCache } from '../ports.js';
import type { RegistryClient } from '../registry/index.js';
import type { Envelope } from '../trust/index.js';
import type { AuthorCheck, TrustGuard } from '../trust/index.js';
import type { HostMetrics } from './metrics.js';

/** A document and whether it came from the cache because the registry was unreachable. */
export interface FetchedDocument {
  document: PluginDocument;
  stale: boolean;
}

/** Fetches documents and bundles for a host. */
export interface PluginSource {
  readonly registry: RegistryClient | undefined;
  /** Where loads are counted and timed (host/metrics.ts): this source counts cache outcomes and times downloads and verification. */
  readonly metrics: HostMetrics;
  document(name: string, signal?: AbortSignal): Promise<FetchedDocument>;
  /** Refuses `name@version` when `authorKeys` require an author signature it does not carry (SignatureError). */
  checkAuthor(name: string, version: string, entry: VersionEntry): Promise<void>;
  /** The bytes of `name@version` from the cache or downloaded, verified against `entry.dist.integrity`; `checkAuthor` ran before. */
  bundle(name: string, version: string, entry: VersionEntry, signal?: AbortSignal): Promise<Uint8Array>;
}

/** A 304 rewrites the cached entry's fetchedAt at most this often, sparing a disk write per load. */
const REFRESH_FETCHED_AT_MS = 60_000;

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

  /** The document of a cached entry, verified again when the host requires signatures. */
  async function fromCache(entry: CachedDocument, url: string, offline: boolean): Promise<PluginDocument> {
    if (!trust) return entry.document;
    const payload = await trust.document(entry.name, entry.envelope, { url, offline });
    return parsePluginDocument(payload.document, entry.name, { url });
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

    async document(name, signal) {
      const client = requireRegistry(name);
      const cached = await documents.get(client.url, name);
      try {
        // A cached entry without an envelope cannot be revalidated by a host that requires signatures.
        const etag = cached?.etag && (!trust || cached.envelope) ? cached.etag : undefined;
        const verify = trust && ((envelope: Envelope | undefined, url: string) => trust.document(name, envelope, { url }));
        // With a cached copy to fall back on, a registry that does not answer is not retried: the
        // cached copy serves at once (stale-if-error) instead of after the retries' backoff.
        const result = await client.getDocument(name, {
          ...(etag ? { etag } : {}),
          signal,
          ...(verify ? { signed: true, verify } : {}),
          ...(cached ? { retry: 0 } : {}),
        });
        if (result.status === 304 && cached && etag) {
          const document = await fromCache(cached, result.url, false);
          if (Date.now() - cached.fetchedAt > REFRESH_FETCHED_AT_MS) await documents.put({ ...cached, fetchedAt: Date.now() });
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
        await documents.put({
          registry: client.url,
          name,
          document,
          ...(result.etag ? { etag: result.etag } : {}),
          ...(trust && result.envelope ? { envelope: result.envelope } : {}),
          fetchedAt: Date.now(),
        });
        metrics.cache(name, 'document', 'miss');
        return { document, stale: false };
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

    async checkAuthor(name, version, entry) {
      await authors?.(name, version, entry);
    },

    async bundle(name, version, entry, signal) {
      const { integrity } = entry.dist;
      const cached = await cache.get(integrity);
      let corrupted = false;
      if (cached) {
        const checking = metrics.clock();
        const intact = await checkIntegrity(cached, integrity);
        metrics.phase(name, 'verify', checking);
        if (intact) {
          metrics.cache(name, 'bundle', 'hit');
          return cached;
        }
        log.warn(`${name}@${version}: cached bundle ${integrity} is corrupted; removing it and downloading again`);
        await cache.delete(integrity);
        corrupted = true;
      }
      const client = requireRegistry(name);
      const url = client.blobUrl(entry.dist);
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
        if (!corrupted || !isRegistryError(error)) throw error;
        throw new RegistryError(`${name}@${version}: the cached bundle was corrupted and removed, and downloading it again failed: ${error.message}`, {
          method: error.method,
          ...(error.status !== undefined ? { status: error.status } : {}),
          url,
          plugin: name,
          version,
          unreachable: error.unreachable,
          cause: error,
        });
      }
      const verifying = metrics.clock();
      metrics.phase(name, 'download', downloading);
      await verifyIntegrity(bytes, integrity, { plugin: name, version, url });
      metrics.phase(name, 'verify', verifying);
      metrics.cache(name, 'bundle', 'miss');
      await cache.put(integrity, bytes);
      return bytes;
    },
  };
}
