/**
 * A host's metrics after real loads, calls, upgrades and unloads (node and
 * happy-dom): `host.metrics()` counts what happened, by plugin, version,
 * phase, cache outcome, reason, outcome and route label.
 */
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/core/host/create.js';
import type { PluginHost } from '../../../src/core/host/types.js';
import { createMemoryBlobCache, createMemoryDocumentCache } from '../../../src/core/memory.js';
import { expireDocument, publish, setup } from '../host/fixture.js';
import { countOf, labelValues, seriesOf, figureOf } from './read-snapshot.js';

const ROUTES = {
  http_services: {
    routes: [
      { route: '/api/items/:id', method: 'GET', label: 'items.get' },
      { route: '/api/items', method: 'POST', label: 'items.create' },
    ],
  },
};

const ROUTED = `export function execute(ctx) {
  if (ctx.label === 'items.create') return new Response('made', { status: 201 });
  if (ctx.get('params').id === 'bad') throw new Error('bad item');
  return { id: ctx.get('params').id };
}`;

async function closing<T>(host: PluginHost, work: (host: PluginHost) => Promise<T>): Promise<T> {
  try {
    return await work(host);
  } finally {
    await host.close();
  }
}

describe('host.metrics(): loads', () => {
  it('counts a load with each phase timed, the cache misses and the version loaded', async () => {
    const { registry, host } = setup();
    await publish(registry, 'hello', '1.0.0', `export function execute() { return 'hi'; }`);
    await closing(host(), async (target) => {
      await target.load('hello@^1');
      const snapshot = target.metrics();
      expect(figureOf(snapshot, 'plughub_loads_total', { plugin: 'hello', outcome: 'ok' })).toBe(1);
      expect(countOf(snapshot, 'plughub_load_duration_seconds', { plugin: 'hello', outcome: 'ok' })).toBe(1);
      expect(labelValues(snapshot, 'plughub_load_phase_duration_seconds', 'phase', { plugin: 'hello' })).toEqual([
        'activate',
        'download',
        'import',
        'resolve',
        'verify',
      ]);
      for (const phase of ['resolve', 'download', 'verify', 'import', 'activate']) {
        expect(countOf(snapshot, 'plughub_load_phase_duration_seconds', { plugin: 'hello', phase })).toBe(1);
      }
      expect(figureOf(snapshot, 'plughub_load_cache_total', { plugin: 'hello', kind: 'document', outcome: 'miss' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_load_cache_total', { plugin: 'hello', kind: 'bundle', outcome: 'miss' })).toBe(1);
      expect(seriesOf(snapshot, 'plughub_active_versions')).toEqual([{ labels: { plugin: 'hello', version: '1.0.0' }, value: 1 }]);
      expect(snapshot.takenAt).toBeGreaterThan(0);
    });
  });

  it('counts a fresh document, a revalidated one and a bundle hit on hosts with the same caches, and an offline document', async () => {
    const { registry, documents, host } = setup();
    await publish(registry, 'cached', '1.0.0', `export function execute() { return 1; }`);
    await closing(host(), (first) => first.load('cached'));
    const fresh = await closing(host(), async (target) => {
      await target.load('cached');
      return target.metrics();
    });
    expect(figureOf(fresh, 'plughub_load_cache_total', { plugin: 'cached', kind: 'document', outcome: 'hit' })).toBe(1);
    await expireDocument(documents, registry.url, 'cached');
    const second = await closing(host(), async (target) => {
      await target.load('cached');
      return target.metrics();
    });
    expect(figureOf(second, 'plughub_load_cache_total', { plugin: 'cached', kind: 'document', outcome: 'revalidated' })).toBe(1);
    expect(figureOf(second, 'plughub_load_cache_total', { plugin: 'cached', kind: 'bundle', outcome: 'hit' })).toBe(1);
    expect(figureOf(second, 'plughub_load_cache_total', { outcome: 'miss' })).toBe(0);
    // A bundle read from the cache is verified, never downloaded.
    expect(countOf(second, 'plughub_load_phase_duration_seconds', { phase: 'download' })).toBe(0);
    expect(countOf(second, 'plughub_load_phase_duration_seconds', { phase: 'verify' })).toBe(1);
    await expireDocument(documents, registry.url, 'cached');
    registry.intercept(() => {
      throw new TypeError('fetch failed');
    });
    const offline = await closing(host(), async (target) => {
      await target.load('cached');
      return target.metrics();
    });
    expect(figureOf(offline, 'plughub_load_cache_total', { plugin: 'cached', kind: 'document', outcome: 'offline' })).toBe(1);
    expect(figureOf(offline, 'plughub_load_cache_total', { plugin: 'cached', kind: 'bundle', outcome: 'hit' })).toBe(1);
  });

  it('counts failed loads by reason: integrity, not-found, dependency, compatibility', async () => {
    const { registry, host } = setup();
    const entry = await publish(registry, 'evil', '1.0.0', `export function execute() {}`);
    registry.intercept((request) => (new URL(request.url).pathname === entry.dist.url ? new Response('export function execute() { return 2; }') : undefined));
    await publish(registry, 'needy', '1.0.0', `export function execute() {}`, { dependencies: { absent: '^1' } });
    await closing(host({ hostVersion: '1.0.0' }), async (target) => {
      await expect(target.load('evil')).rejects.toThrow();
      await expect(target.load('nowhere')).rejects.toThrow();
      await expect(target.load('needy')).rejects.toThrow();
      const bundle = {
        manifest: { name: 'future', version: '1.0.0', source: { mode: 'esm', path: 'index.js' }, engines: { host: '^2' } },
        bytes: new Uint8Array(),
        location: 'memory',
      };
      await expect(target.loadBundle(bundle)).rejects.toThrow();
      const snapshot = target.metrics();
      expect(figureOf(snapshot, 'plughub_load_failures_total', { plugin: 'evil', reason: 'integrity' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_load_failures_total', { plugin: 'nowhere', reason: 'not-found' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_load_failures_total', { plugin: 'needy', reason: 'dependency' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_load_failures_total', { plugin: 'future', reason: 'compatibility' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_loads_total', { outcome: 'error' })).toBe(4);
      expect(figureOf(snapshot, 'plughub_loads_total', { outcome: 'ok' })).toBe(0);
      expect(countOf(snapshot, 'plughub_load_duration_seconds', { outcome: 'error' })).toBe(4);
      expect(seriesOf(snapshot, 'plughub_active_versions')).toEqual([]);
    });
  });

  it('counts an upgrade and a reload, and drops the versions that no longer run', async () => {
    const { registry, host } = setup();
    await publish(registry, 'moving', '1.0.0', `export function execute() { return 1; }`);
    await closing(host({ upgradeGraceMs: 50 }), async (target) => {
      await target.load('moving@^1');
      await publish(registry, 'moving', '1.1.0', `export function execute() { return 2; }`);
      const retired = new Promise((resolve) => target.on('retired', resolve));
      await target.upgrade('moving');
      await retired;
      let snapshot = target.metrics();
      expect(figureOf(snapshot, 'plughub_upgrades_total', { plugin: 'moving', reason: 'upgrade' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_loads_total', { plugin: 'moving', outcome: 'ok' })).toBe(2);
      expect(seriesOf(snapshot, 'plughub_active_versions')).toEqual([{ labels: { plugin: 'moving', version: '1.1.0' }, value: 1 }]);

      const manifest = (version: string) => ({ name: 'local', version, source: { mode: 'esm', path: 'index.js' } });
      const bytes = new TextEncoder().encode('export function execute() { return 3; }');
      await target.loadBundle({ manifest: manifest('1.0.0'), bytes, location: 'memory' });
      const reloaded = new Promise((resolve) => target.on('retired', resolve));
      await target.loadBundle({ manifest: manifest('1.0.1'), bytes, location: 'memory' }, { replace: true });
      await reloaded;
      snapshot = target.metrics();
      expect(figureOf(snapshot, 'plughub_upgrades_total', { plugin: 'local', reason: 'reload' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_loads_total', { plugin: 'local', outcome: 'ok' })).toBe(2);

      await target.unload('moving');
      snapshot = target.metrics();
      expect(seriesOf(snapshot, 'plughub_active_versions')).toEqual([{ labels: { plugin: 'local', version: '1.0.1' }, value: 1 }]);
    });
  });
});

describe('host.metrics(): calls', () => {
  it('counts executions by outcome, each with its latency', async () => {
    const { registry, host } = setup();
    await publish(
      registry,
      'worker',
      '1.0.0',
      `export function execute(ctx) {
        if (ctx.get('mode') === 'fail') throw new Error('failed on purpose');
        if (ctx.get('mode') === 'hang') return new Promise(() => {});
        return 'done';
      }`,
    );
    await closing(host(), async (target) => {
      await target.load('worker');
      await target.execute('worker');
      await target.get('worker')!.execute();
      await expect(target.execute('worker', { values: { mode: 'fail' } })).rejects.toThrow('failed on purpose');
      await expect(target.execute('worker', { values: { mode: 'hang' }, timeoutMs: 5 })).rejects.toThrow();
      const controller = new AbortController();
      const cancelled = target.execute('worker', { values: { mode: 'hang' }, signal: controller.signal });
      controller.abort();
      await expect(cancelled).rejects.toThrow();
      const snapshot = target.metrics();
      const labels = { plugin: 'worker', version: '1.0.0' };
      expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'ok' })).toBe(2);
      expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'error' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'deadline' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'cancelled' })).toBe(1);
      expect(countOf(snapshot, 'plughub_execution_duration_seconds', labels)).toBe(5);
    });
  });

  it('counts route calls by route label and status, never by path', async () => {
    const { registry, host } = setup();
    await publish(registry, 'items', '1.0.0', ROUTED, ROUTES);
    await closing(host(), async (target) => {
      await target.load('items');
      for (const id of ['1', '2', 'bad']) await target.fetch(new Request(`http://h/api/items/${id}`));
      await target.fetch(new Request('http://h/api/items', { method: 'POST', body: 'x' }));
      await target.fetch(new Request('http://h/api/unknown'));
      const snapshot = target.metrics();
      const labels = { plugin: 'items', version: '1.0.0' };
      expect(figureOf(snapshot, 'plughub_route_requests_total', { ...labels, route: 'items.get', status: '200' })).toBe(2);
      expect(figureOf(snapshot, 'plughub_route_requests_total', { ...labels, route: 'items.get', status: '500' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_route_requests_total', { ...labels, route: 'items.create', status: '201' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_route_requests_total')).toBe(4);
      expect(labelValues(snapshot, 'plughub_route_requests_total', 'route')).toEqual(['items.create', 'items.get']);
      expect(countOf(snapshot, 'plughub_route_request_duration_seconds', { ...labels, route: 'items.get' })).toBe(3);
      // A route call is not an execute call.
      expect(figureOf(snapshot, 'plughub_executions_total')).toBe(0);
    });
  });

  it('keeps every counter equal to the count of its histogram in each snapshot taken while loads and calls run', async () => {
    const { registry } = setup();
    await publish(registry, 'busy', '1.0.0', `export async function execute() { await null; return 1; }`);
    const target = createHost({ registry: registry.url, fetch: registry.fetch, cache: createMemoryBlobCache(), documents: createMemoryDocumentCache() });
    await closing(target, async () => {
      const names = Array.from({ length: 12 }, (_, index) => `stream-${index}`);
      for (const name of names) await publish(registry, name, '1.0.0', `export async function execute() { await null; return 1; }`);
      await target.load('busy');
      let scrapes = 0;
      let running = true;
      const scraping = (async () => {
        while (running) {
          const snapshot = target.metrics();
          expect(figureOf(snapshot, 'plughub_loads_total')).toBe(countOf(snapshot, 'plughub_load_duration_seconds'));
          expect(figureOf(snapshot, 'plughub_executions_total')).toBe(countOf(snapshot, 'plughub_execution_duration_seconds'));
          scrapes += 1;
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      })();
      await Promise.all([...names.map((name) => target.load(name)), ...Array.from({ length: 50 }, () => target.execute('busy'))]);
      running = false;
      await scraping;
      expect(scrapes).toBeGreaterThan(1);
      const snapshot = target.metrics();
      expect(figureOf(snapshot, 'plughub_loads_total', { outcome: 'ok' })).toBe(13);
      expect(figureOf(snapshot, 'plughub_executions_total', { outcome: 'ok' })).toBe(50);
    });
  });
});
