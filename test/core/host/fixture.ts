/**
 * Shared set-up for host tests: an in-memory registry double, a helper that
 * publishes a plugin from JavaScript source, and a host wired to the double.
 */
import { createHost, type HostOptions, type LoadedPlugin, type PluginHost } from '../../../src/core/host/create.js';
import { createMemoryBlobCache, createMemoryDocumentCache } from '../../../src/core/memory.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { createRegistryDouble, type RegistryDouble } from '../registry/double.js';
import type { DocumentCache } from '../../../src/core/ports.js';

let unique = 0;

/** A plugin module's source; a unique comment makes every call's bytes (and module) distinct. */
export function pluginSource(body: string): string {
  unique += 1;
  return `// module ${unique} ${Math.random()}\n${body}\n`;
}

/** Publishes `name@version` with the given module source and manifest extras. */
export function publish(registry: RegistryDouble, name: string, version: string, body: string, manifest: Record<string, unknown> = {}) {
  return registry.publish({ name, version, source: { mode: 'esm', path: 'index.js' }, ...manifest }, pluginSource(body));
}

/** A registry double plus a factory for hosts that share (or not) its caches. */
export function setup() {
  const registry = createRegistryDouble();
  const cache = createMemoryBlobCache();
  const documents = createMemoryDocumentCache();
  const client = createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 0 });
  const host = <Api = unknown>(options: HostOptions<Api> = {}) => createHost<Api>({ registry: client, cache, documents, ...options });
  return { registry, cache, documents, client, host };
}

/** Loads `spec` on `host` and waits for the cache writes that follow the load, as a later host on the same caches expects them. */
export async function loadCached(host: PluginHost, spec: string): Promise<LoadedPlugin> {
  const plugin = await host.load(spec);
  await host.settled();
  return plugin;
}

/** Makes the cached document of `name` stale, as once its Cache-Control max-age has passed: the next load revalidates it. */
export async function expireDocument(documents: DocumentCache, registry: string, name: string): Promise<void> {
  const entry = await documents.get(registry, name);
  if (!entry) throw new Error(`${name} is not cached`);
  const { freshUntil: _, ...stale } = entry;
  await documents.put(stale);
}
