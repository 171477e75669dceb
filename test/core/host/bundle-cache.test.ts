/**
 * How a load uses the blob cache (host/source.ts): a downloaded bundle is
 * verified, imported, and written to the cache after that (the load
 * resolves without waiting for the write; host.settled and host.close
 * wait for it); a write that fails is a warning; bytes that fail their
 * integrity are neither imported nor cached; and the bundle of a plugin
 * whose document was not cached is asked of the cache and the registry at
 * once, the cache's verified copy winning and the download cancelled; the
 * bundles of a plan are fetched at the same time.
 */
import { describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/core/errors/index.js';
import { computeIntegrity } from '../../../src/core/integrity.js';
import { createMemoryBlobCache } from '../../../src/core/memory.js';
import { createDataUrlLoader } from '../../../src/core/plugin/index.js';
import type { BlobCache, ModuleLoader } from '../../../src/core/ports.js';
import { pluginSource, publish, setup } from './fixture.js';

/** A blob cache that forwards to `inner`, with some methods replaced. */
function cacheWith(inner: BlobCache, replaced: Partial<BlobCache>): BlobCache {
  return {
    get: (integrity) => inner.get(integrity),
    put: (integrity, bytes) => inner.put(integrity, bytes),
    has: (integrity) => inner.has(integrity),
    delete: (integrity) => inner.delete(integrity),
    list: () => inner.list(),
    prune: (options) => inner.prune(options),
    ...replaced,
  };
}

function recordingLog() {
  const warnings: string[] = [];
  return { warnings, log: { debug() {}, info() {}, error() {}, warn: (...args: unknown[]) => void warnings.push(args.join(' ')) } };
}

const blobRequests = (requests: Request[], path: string) => requests.filter((request) => new URL(request.url).pathname === path).length;

describe('a load and the blob cache', () => {
  it('imports the verified bundle before writing it to the cache, resolves without waiting for the write, and settled() waits for it', async () => {
    const { registry, cache, host } = setup();
    await publish(registry, 'after', '1.0.0', `export function execute() { return 'ok'; }`);
    const events: string[] = [];
    const data = createDataUrlLoader();
    const loader: ModuleLoader = {
      import(source) {
        events.push('import');
        return data.import(source);
      },
    };
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let begin!: () => void;
    const begun = new Promise<void>((resolve) => {
      begin = resolve;
    });
    // The write is held until the test releases it: a load that waited for its writes would never resolve.
    const slow = cacheWith(cache, {
      put: async (integrity, bytes) => {
        events.push('put');
        begin();
        await held;
        await cache.put(integrity, bytes);
        events.push('stored');
      },
    });
    const loading = host({ cache: slow, loader });
    const plugin = await loading.load('after');
    expect(await plugin.execute()).toBe('ok');
    expect(events[0]).toBe('import');
    expect(await cache.has(plugin.integrity)).toBe(false);
    let settled = false;
    const waiting = loading.settled().then(() => {
      settled = true;
    });
    await begun;
    expect(events).toEqual(['import', 'put']);
    expect(settled).toBe(false);
    release();
    await waiting;
    expect(events).toEqual(['import', 'put', 'stored']);
    expect(await cache.has(plugin.integrity)).toBe(true);
  });

  it("writes a load's document and bundle by the time close() resolves", async () => {
    const { registry, cache, documents, client, host } = setup();
    await publish(registry, 'closing', '1.0.0', `export function execute() { return 'ok'; }`);
    const loading = host();
    const plugin = await loading.load('closing');
    await loading.close();
    expect(await cache.has(plugin.integrity)).toBe(true);
    expect((await documents.get(client.url, 'closing'))?.document.name).toBe('closing');
  });

  it('goes on with a load whose bundle cannot be written to the cache, warning of it', async () => {
    const { registry, host } = setup();
    await publish(registry, 'unstored', '1.0.0', `export function execute() { return 'ran'; }`);
    const memory = createMemoryBlobCache();
    const failing = cacheWith(memory, {
      put: async () => {
        throw new Error('disk full');
      },
    });
    const { warnings, log } = recordingLog();
    const loading = host({ cache: failing, log });
    const plugin = await loading.load('unstored');
    expect(await plugin.execute()).toBe('ran');
    await loading.settled();
    expect(warnings).toEqual([
      `unstored@1.0.0: the bundle ${plugin.integrity} could not be cached; the load goes on and the next one fetches it again: disk full`,
    ]);
    expect(await memory.list()).toEqual([]);
  });

  it('neither imports nor caches bytes that fail their integrity, also when the cache is asked at the same time', async () => {
    const { registry, cache, host } = setup();
    const entry = await publish(registry, 'swapped', '1.0.0', `export function execute() { return 'signed'; } ${' '.repeat(200)}`);
    // Of the signed size, so that only the integrity check can refuse it.
    const evil = new TextEncoder().encode(`globalThis.__swappedImported = true; export function execute() { return 'evil'; }`.padEnd(entry.dist.size));
    registry.intercept((request) => (new URL(request.url).pathname === entry.dist.url ? new Response(evil) : undefined));
    const error = await host()
      .load('swapped')
      .catch((e: unknown) => e);
    expect(isIntegrityError(error)).toBe(true);
    expect(await cache.list()).toEqual([]);
    expect((globalThis as { __swappedImported?: boolean }).__swappedImported).toBeUndefined();
  });

  it('takes the cached copy of a plugin whose document was not cached, cancelling the download it started beside', async () => {
    const { registry, cache, host } = setup();
    const source = pluginSource(`export function execute() { return 'from cache'; }`);
    const entry = await registry.publish({ name: 'known', version: '1.0.0', source: { mode: 'esm', path: 'index.js' } }, source);
    const bytes = new TextEncoder().encode(source);
    await cache.put(await computeIntegrity(bytes), bytes);
    let downloadSignal: AbortSignal | undefined;
    // The registry never answers the download: only the cache can finish this load.
    registry.intercept((request) => {
      if (new URL(request.url).pathname !== entry.dist.url) return undefined;
      downloadSignal = request.signal;
      return new Promise<Response>((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason)));
    });
    const plugin = await host().load('known');
    expect(await plugin.execute()).toBe('from cache');
    expect(downloadSignal?.aborted).toBe(true);
  });

  it('downloads again, and caches the verified download, when the cached copy of an unseen plugin is corrupted', async () => {
    const { registry, cache, host } = setup();
    const entry = await publish(registry, 'mended', '1.0.0', `export function execute() { return 'good'; }`);
    const corrupted = new TextEncoder().encode(`export function execute() { return 'tampered'; }`);
    let reads = 0;
    const tampering = cacheWith(cache, {
      get: async (integrity) => {
        reads += 1;
        return reads === 1 ? corrupted : cache.get(integrity);
      },
    });
    const { warnings, log } = recordingLog();
    const loading = host({ cache: tampering, log });
    const plugin = await loading.load('mended');
    expect(await plugin.execute()).toBe('good');
    await loading.settled();
    expect(warnings).toEqual([`mended@1.0.0: cached bundle ${entry.dist.integrity} is corrupted; removing it and downloading again`]);
    expect(blobRequests(registry.requests, entry.dist.url)).toBe(1);
    const stored = await cache.get(entry.dist.integrity);
    expect(stored && (await computeIntegrity(stored))).toBe(entry.dist.integrity);
  });

  it('fetches the bundles of a plan at the same time, and imports none before all passed', async () => {
    const { registry, host } = setup();
    const paths = new Set<string>();
    for (const name of ['left', 'right']) {
      paths.add((await publish(registry, name, '1.0.0', `export function execute() { return '${name}'; }`)).dist.url);
    }
    paths.add(
      (await publish(registry, 'both', '1.0.0', `export function execute() { return 'both'; }`, { dependencies: { left: '^1', right: '^1' } })).dist.url,
    );
    let asked = 0;
    let allAsked!: () => void;
    const everyBundleAsked = new Promise<void>((resolve) => {
      allAsked = resolve;
    });
    // Each download is held until all three were asked for: fetched one after the other, the first would never end.
    registry.intercept(async (request) => {
      if (!paths.has(new URL(request.url).pathname)) return undefined;
      asked += 1;
      if (asked === paths.size) allAsked();
      await everyBundleAsked;
      return undefined;
    });
    const plugin = await host().load('both');
    expect(await plugin.execute()).toBe('both');
    expect(asked).toBe(3);
  });

  it('asks the cache first, and the registry only on a miss, when the document was cached', async () => {
    const { registry, cache, host } = setup();
    const entry = await publish(registry, 'seen', '1.0.0', `export function execute() { return 1; }`);
    const first = host();
    await first.load('seen');
    await first.settled();
    expect(blobRequests(registry.requests, entry.dist.url)).toBe(1);
    await host().load('seen');
    expect(blobRequests(registry.requests, entry.dist.url)).toBe(1);
    await cache.delete(entry.dist.integrity);
    await host().load('seen');
    expect(blobRequests(registry.requests, entry.dist.url)).toBe(2);
  });
});
