/**
 * The Node host's metrics after real loads from a real registry on port 0,
 * through the filesystem caches: misses then hits across hosts sharing a
 * cache directory, a tampered blob counted as an integrity failure, calls
 * of a worker-isolated plugin (its worker's heap, read by refreshMetrics,
 * and a restart after its worker crashed), routes, and an unload.
 */
import { describe, expect, it } from 'vitest';
import { integrityToHex } from '../../src/core/integrity.js';
import { CRASHES_IN_TIMER } from '../contracts/isolation-plugins.js';
import { countOf, figureOf, seriesOf } from '../core/metrics/read-snapshot.js';
import { nodeHost, pluginSource, tempDir } from './helpers.js';
import { startRegistry } from './registry-fixture.js';

describe('Node host metrics', () => {
  it('counts cache misses, then hits on a second host sharing the cache directory, and a tampered blob as an integrity failure', async () => {
    const registry = await startRegistry();
    await registry.publish('hello', '1.0.0', pluginSource('hello'));
    const evil = await registry.publish('evil', '1.0.0', pluginSource('good'));
    await registry.tamperBlob(integrityToHex(evil.dist.integrity).hex, pluginSource('evil'));
    const cacheDir = await tempDir();

    const first = await nodeHost({ registry: registry.client, cacheDir });
    await first.load('hello@^1');
    await expect(first.load('evil')).rejects.toThrow(/does not match/);
    const cold = first.metrics();
    expect(figureOf(cold, 'plughub_load_cache_total', { plugin: 'hello', kind: 'document', outcome: 'miss' })).toBe(1);
    expect(figureOf(cold, 'plughub_load_cache_total', { plugin: 'hello', kind: 'bundle', outcome: 'miss' })).toBe(1);
    expect(figureOf(cold, 'plughub_loads_total', { plugin: 'hello', outcome: 'ok' })).toBe(1);
    expect(figureOf(cold, 'plughub_load_failures_total', { plugin: 'evil', reason: 'integrity' })).toBe(1);
    expect(figureOf(cold, 'plughub_loads_total', { plugin: 'evil', outcome: 'error' })).toBe(1);
    expect(countOf(cold, 'plughub_load_phase_duration_seconds', { plugin: 'hello', phase: 'download' })).toBe(1);

    await first.settled(); // the caches are written after the loads resolve
    const second = await nodeHost({ registry: registry.client, cacheDir });
    await second.load('hello@^1');
    const warm = second.metrics();
    // The document is still fresh (the registry's max-age=60): read from the cache without a request.
    expect(figureOf(warm, 'plughub_load_cache_total', { plugin: 'hello', kind: 'document', outcome: 'hit' })).toBe(1);
    expect(figureOf(warm, 'plughub_load_cache_total', { plugin: 'hello', kind: 'bundle', outcome: 'hit' })).toBe(1);
    expect(countOf(warm, 'plughub_load_phase_duration_seconds', { plugin: 'hello', phase: 'download' })).toBe(0);
    expect(await second.execute('hello')).toMatchObject({ tag: 'hello' });
    expect(figureOf(second.metrics(), 'plughub_executions_total', { plugin: 'hello', version: '1.0.0', outcome: 'ok' })).toBe(1);
  });

  it("reads a worker-isolated plugin's heap, counts its worker's restart, its calls and routes, and forgets it once unloaded", async () => {
    const registry = await startRegistry();
    await registry.publish('isolated', '1.0.0', CRASHES_IN_TIMER, {
      http_services: { routes: [{ route: '/api/isolated/:id', method: 'GET', label: 'isolated.get' }] },
    });
    const host = await nodeHost({ registry: registry.client });
    await host.load('isolated', { isolation: 'worker' });
    const labels = { plugin: 'isolated', version: '1.0.0' };

    expect(seriesOf(host.metrics(), 'plughub_worker_heap_used_bytes')).toEqual([]);
    await host.refreshMetrics();
    const [heap] = seriesOf(host.metrics(), 'plughub_worker_heap_used_bytes');
    expect(heap?.labels).toEqual(labels);
    expect(heap?.value).toBeGreaterThan(100_000);

    expect(await host.execute('isolated')).toBe('alive, call 1');
    await expect(host.execute('isolated', { values: { crash: true } })).rejects.toThrow(/the timer blew up/);
    expect(await host.execute('isolated')).toBe('alive, call 1');
    expect((await host.fetch(new Request('http://h/api/isolated/7'))).status).toBe(200);
    const snapshot = host.metrics();
    expect(figureOf(snapshot, 'plughub_worker_restarts_total', { plugin: 'isolated' })).toBe(1);
    expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'ok' })).toBe(2);
    expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'error' })).toBe(1);
    expect(countOf(snapshot, 'plughub_execution_duration_seconds', labels)).toBe(3);
    expect(figureOf(snapshot, 'plughub_route_requests_total', { ...labels, route: 'isolated.get', status: '200' })).toBe(1);

    await host.unload('isolated');
    const after = host.metrics();
    expect(seriesOf(after, 'plughub_active_versions')).toEqual([]);
    expect(seriesOf(after, 'plughub_worker_heap_used_bytes')).toEqual([]);
    // Counters keep what happened.
    expect(figureOf(after, 'plughub_executions_total', labels)).toBe(3);
  });
});
