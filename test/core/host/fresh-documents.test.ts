/**
 * Loads and documents fresh by their Cache-Control (host/source.ts): a load
 * uses a fresh cached document without asking the registry, plans again
 * from the registry when the fresh copy cannot resolve it, and an update
 * check always asks. The registry double sends `max-age=30`.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryDocumentCache } from '../../../src/core/memory.js';
import type { CachedDocument, DocumentCache } from '../../../src/core/ports.js';
import { MAX_FRESHNESS_MS } from '../../../src/core/registry/freshness.js';
import { loadCached, publish, setup } from './fixture.js';

const documentRequests = (requests: Request[], name: string) => requests.filter((r) => new URL(r.url).pathname === `/v1/plugins/${name}`).length;

describe('fresh documents', () => {
  it('loads a second time without asking the registry while the document is fresh', async () => {
    const { registry, documents, client, host } = setup();
    await publish(registry, 'quick', '1.0.0', `export function execute() { return 'q'; }`);
    const started = Date.now();
    await loadCached(host(), 'quick@^1');
    const cached = await documents.get(client.url, 'quick');
    expect(cached?.freshUntil).toBeGreaterThanOrEqual(started + 30_000);
    expect(cached!.freshUntil! - cached!.fetchedAt).toBe(30_000);
    const second = host();
    expect(await (await second.load('quick@^1')).execute()).toBe('q');
    expect(documentRequests(registry.requests, 'quick')).toBe(1);
  });

  it('asks the registry when the fresh copy has no version for the request (published since), and uses what it says', async () => {
    const { registry, host } = setup();
    await publish(registry, 'grows', '1.0.0', `export function execute() { return 1; }`);
    await loadCached(host(), 'grows@^1');
    await publish(registry, 'grows', '2.0.0', `export function execute() { return 2; }`);
    const plugin = await loadCached(host(), 'grows@^2');
    expect(plugin.version).toBe('2.0.0');
    expect(documentRequests(registry.requests, 'grows')).toBe(2);
    // The document the registry sent replaced the cached one, fresh again.
    expect((await loadCached(host(), 'grows@^2')).version).toBe('2.0.0');
    expect(documentRequests(registry.requests, 'grows')).toBe(2);
  });

  it('still fails with the registry’s answer when no version matches there either', async () => {
    const { registry, host } = setup();
    await publish(registry, 'few', '1.0.0', `export function execute() {}`);
    await loadCached(host(), 'few@^1');
    await expect(host().load('few@^3')).rejects.toThrow('few: no version matches "^3" (available: 1.0.0)');
    expect(documentRequests(registry.requests, 'few')).toBe(2);
  });

  it('checks for updates with the registry even while the document is fresh', async () => {
    const { registry, host } = setup();
    await publish(registry, 'moving', '1.0.0', `export function execute() { return 1; }`);
    const target = host();
    await target.load('moving@^1');
    await publish(registry, 'moving', '1.1.0', `export function execute() { return 2; }`);
    expect(await target.checkUpdates()).toMatchObject({ upgraded: [{ name: 'moving', from: '1.0.0', to: '1.1.0' }], failed: [] });
    expect(await target.execute('moving')).toBe(2);
    await target.close();
  });

  it('does not take a cached entry as fresh for longer than the cap, nor from a clock set back', async () => {
    const { registry, documents, client, host } = setup();
    await publish(registry, 'capped', '1.0.0', `export function execute() {}`);
    await loadCached(host(), 'capped');
    const entry = (await documents.get(client.url, 'capped'))!;
    const now = Date.now();
    await documents.put({ ...entry, fetchedAt: now - 1000, freshUntil: now + MAX_FRESHNESS_MS });
    await loadCached(host(), 'capped');
    expect(documentRequests(registry.requests, 'capped')).toBe(2);
    await documents.put({ ...entry, fetchedAt: now + 60_000, freshUntil: now + 90_000 });
    await loadCached(host(), 'capped');
    expect(documentRequests(registry.requests, 'capped')).toBe(3);
  });

  it('goes on with a load whose document cannot be written to the cache, warning of it', async () => {
    const { registry, cache, client, host } = setup();
    await publish(registry, 'unwritten', '1.0.0', `export function execute() { return 'ran'; }`);
    const memory = createMemoryDocumentCache();
    const failing: DocumentCache = {
      get: (url, name) => memory.get(url, name),
      put: async (_entry: CachedDocument) => {
        throw new Error('disk full');
      },
      delete: (url, name) => memory.delete(url, name),
    };
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (...args: unknown[]) => void warnings.push(args.join(' ')) };
    const loading = host({ documents: failing, log });
    const plugin = await loading.load('unwritten');
    expect(await plugin.execute()).toBe('ran');
    await loading.settled();
    expect(warnings).toEqual(['unwritten: the document could not be cached; the load goes on and the next one fetches it again: disk full']);
    expect(await cache.has(plugin.integrity)).toBe(true);
    expect(await memory.get(client.url, 'unwritten')).toBeUndefined();
  });
});
