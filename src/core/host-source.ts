/**
 * Where a host gets plugin documents and bundles: the registry, revalidated
 * with ETags, with the document cache as a fallback when the registry cannot
 * be reached (stale-if-error), and the blob cache in front of downloads.
 * Bytes are verified against their integrity before they are cached and
 * every time before they are handed to the loader; a corrupted cache entry
 * is dropped and downloaded again.
 */
import type { Logger } from './context.js';
import type { PluginDocument, VersionEntry } from './document.js';
import { isRegistryError, RegistryError } from './errors.js';
import { checkIntegrity, verifyIntegrity } from './integrity.js';
import type { BlobCache, DocumentCache } from './ports.js';
import type { RegistryClient } from './registry.js';

/** A document and whether it came from the cache because the registry was unreachable. */
export interface FetchedDocument {
  document: PluginDocument;
  stale: boolean;
}

/** Fetches documents and bundles for a host. */
export interface PluginSource {
  readonly registry: RegistryClient | undefined;
  document(name: string, signal?: AbortSignal): Promise<FetchedDocument>;
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
}): PluginSource {
  const { registry, cache, documents, log } = init;

  function requireRegistry(name: string): RegistryClient {
    if (registry) return registry;
    throw new RegistryError(`${name}: no registry is configured for this host (pass the registry option)`, {
      method: 'GET',
      plugin: name,
    });
  }

  return {
    registry,

    async document(name, signal) {
      const client = requireRegistry(name);
      const cached = await documents.get(client.url, name);
      try {
        const result = await client.getDocument(name, { ...(cached?.etag ? { etag: cached.etag } : {}), signal });
        if (result.status === 304 && cached) {
          if (Date.now() - cached.fetchedAt > REFRESH_FETCHED_AT_MS) await documents.put({ ...cached, fetchedAt: Date.now() });
          return { document: cached.document, stale: false };
        }
        if (result.status === 304) {
          throw new RegistryError(`${name}: registry answered 304 for a document this host has not cached (${result.url})`, {
            method: 'GET',
            status: 304,
            url: result.url,
            plugin: name,
          });
        }
        await documents.put({
          registry: client.url,
          name,
          document: result.document,
          ...(result.etag ? { etag: result.etag } : {}),
          fetchedAt: Date.now(),
        });
        return { document: result.document, stale: false };
      } catch (error) {
        if (!registryDown(error)) throw error;
        const failure = error as RegistryError;
        if (!cached) {
          throw new RegistryError(
            `${name}: the registry at ${client.url} is unreachable and this plugin is not cached (${failure.message})`,
            {
              method: failure.method,
              ...(failure.status !== undefined ? { status: failure.status } : {}),
              url: failure.url ?? client.documentUrl(name),
              plugin: name,
              unreachable: failure.unreachable,
              cause: error,
            },
          );
        }
        log.warn(`${name}: registry unreachable, using the cached document (${failure.message})`);
        return { document: cached.document, stale: true };
      }
    },

    async bundle(name, version, entry, signal) {
      const { integrity } = entry.dist;
      const cached = await cache.get(integrity);
      let corrupted = false;
      if (cached) {
        if (await checkIntegrity(cached, integrity)) return cached;
        log.warn(`${name}@${version}: cached bundle ${integrity} is corrupted; removing it and downloading again`);
        await cache.delete(integrity);
        corrupted = true;
      }
      const client = requireRegistry(name);
      const url = client.blobUrl(entry.dist);
      let bytes: Uint8Array;
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
      await verifyIntegrity(bytes, integrity, { plugin: name, version, url });
      await cache.put(integrity, bytes);
      return bytes;
    },
  };
}
