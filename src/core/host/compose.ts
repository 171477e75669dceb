/**
 * Composes where a host gets plugins from out of its options: the registry
 * client (built from a URL, or given), the trust guard that verifies signed
 * metadata when `trustedKeys` are configured, the author-signature check,
 * and the source that puts the caches in front of the registry.
 */
import type { Logger } from '../plugin/index.js';
import { createPluginSource, type PluginSource } from './source.js';
import type { HostMetrics } from './metrics.js';
import type { HostOptions } from './types.js';
import { createMemoryDocumentCache } from '../memory.js';
import type { BlobCache } from '../ports.js';
import { createRegistryClient, type RegistryClient } from '../registry/index.js';
import { createAuthorCheck, createTrustGuard, type TrustOptions } from '../trust/index.js';

/** Any bundle download is bounded by this, whatever a document says (64 MiB). */
export const DEFAULT_MAX_BUNDLE = 64 * 1024 * 1024;

/** The trust settings among HostOptions. */
function trustOptions(options: HostOptions<unknown>): TrustOptions {
  const { trustedKeys = [], threshold, registryId, trustStore, now } = options;
  return {
    trustedKeys,
    ...(threshold !== undefined ? { threshold } : {}),
    ...(registryId !== undefined ? { registryId } : {}),
    ...(trustStore !== undefined ? { store: trustStore } : {}),
    ...(now !== undefined ? { now } : {}),
  };
}

/** The registry client of a host: built from `options.registry` when it is a URL. */
function registryOf(options: HostOptions<unknown>): RegistryClient | undefined {
  if (typeof options.registry !== 'string') return options.registry;
  return createRegistryClient({
    url: options.registry,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.maxDocumentBytes !== undefined ? { maxDocumentBytes: options.maxDocumentBytes } : {}),
  });
}

/** The registry client and the plugin source a host loads through. */
export function composeSource<Api>(
  options: HostOptions<Api>,
  cache: BlobCache,
  log: Logger,
  metrics: HostMetrics,
): { registry: RegistryClient | undefined; source: PluginSource } {
  const registry = registryOf(options as HostOptions<unknown>);
  const trust =
    registry && options.trustedKeys
      ? createTrustGuard(registry.url, trustOptions(options as HostOptions<unknown>), (version) => registry.keys(version))
      : undefined;
  const source = createPluginSource({
    registry,
    cache,
    documents: options.documents ?? createMemoryDocumentCache(),
    log,
    maxBundleBytes: options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE,
    trust,
    authors: options.authorKeys ? createAuthorCheck(options.authorKeys) : undefined,
    metrics,
  });
  return { registry, source };
}
