/**
 * HostMetrics and VersionMeter on their own: how a call's end is counted,
 * routes by label and status, worker heaps read by refresh (bounded in
 * time) and dropped with their version, and labels that stay bounded.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineExceededError, IntegrityError, UnloadedError } from '../../../src/core/errors/index.js';
import { HostMetrics, clock } from '../../../src/core/host/metrics.js';
import type { LoadedInstance } from '../../../src/core/isolation/index.js';
import { OVERFLOW_LABEL } from '../../../src/core/metrics/index.js';
import { countOf, figureOf, labelValues, seriesOf } from './read-snapshot.js';

/** The part of a loaded version the metrics read: its name, version and maybe a heap. */
function version(name: string, heapUsed?: () => Promise<number | undefined>): LoadedInstance {
  return { name, version: '1.0.0', ...(heapUsed ? { heapUsed } : {}) } as unknown as LoadedInstance;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('VersionMeter', () => {
  it('counts each call by how it ended, and settles as the call does', async () => {
    const metrics = new HostMetrics(() => []);
    const meter = metrics.meter('p', '1.0.0');
    expect(await meter.execution(Promise.resolve(42))).toBe(42);
    const failures = [
      new Error('plain'),
      new DeadlineExceededError('late', 0),
      new UnloadedError('gone'),
      new DOMException('caller aborted', 'AbortError'),
      new DOMException('caller timed out', 'TimeoutError'),
    ];
    for (const failure of failures) await expect(meter.execution(Promise.reject(failure))).rejects.toBe(failure);
    const snapshot = metrics.snapshot();
    const labels = { plugin: 'p', version: '1.0.0' };
    expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'ok' })).toBe(1);
    expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'error' })).toBe(1);
    expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'deadline' })).toBe(2);
    expect(figureOf(snapshot, 'plughub_executions_total', { ...labels, outcome: 'cancelled' })).toBe(2);
    expect(countOf(snapshot, 'plughub_execution_duration_seconds', labels)).toBe(6);
  });

  it('counts route calls by label and status code, and adds no series for a version never called', async () => {
    const metrics = new HostMetrics(() => []);
    metrics.meter('idle', '1.0.0');
    const meter = metrics.meter('r', '2.0.0');
    for (const status of [200, 200, 404, 200]) meter.routed('r.get', status, clock());
    meter.routed('r.post', 201, clock());
    meter.workerRestarted();
    const snapshot = metrics.snapshot();
    expect(seriesOf(snapshot, 'plughub_route_requests_total')).toEqual([
      { labels: { plugin: 'r', version: '2.0.0', route: 'r.get', status: '200' }, value: 3 },
      { labels: { plugin: 'r', version: '2.0.0', route: 'r.get', status: '404' }, value: 1 },
      { labels: { plugin: 'r', version: '2.0.0', route: 'r.post', status: '201' }, value: 1 },
    ]);
    expect(countOf(snapshot, 'plughub_route_request_duration_seconds', { route: 'r.get' })).toBe(4);
    expect(seriesOf(snapshot, 'plughub_executions_total')).toEqual([]);
    expect(figureOf(snapshot, 'plughub_worker_restarts_total', { plugin: 'r' })).toBe(1);
  });
});

describe('HostMetrics', () => {
  it('reads worker heaps on refresh, each within a second, and forgets a version no longer loaded', async () => {
    vi.useFakeTimers();
    const live = [
      version('fast', async () => 5_000_000),
      version('silent', async () => undefined),
      version('stuck', () => new Promise(() => {})),
      version('inline'),
    ];
    const metrics = new HostMetrics(() => live);
    const refreshed = metrics.refresh();
    await vi.advanceTimersByTimeAsync(1_000);
    await refreshed;
    let snapshot = metrics.snapshot();
    expect(seriesOf(snapshot, 'plughub_worker_heap_used_bytes')).toEqual([{ labels: { plugin: 'fast', version: '1.0.0' }, value: 5_000_000 }]);
    expect(labelValues(snapshot, 'plughub_active_versions', 'plugin')).toEqual(['fast', 'inline', 'silent', 'stuck']);
    live.splice(0, 1);
    snapshot = metrics.snapshot();
    expect(seriesOf(snapshot, 'plughub_worker_heap_used_bytes')).toEqual([]);
    expect(labelValues(snapshot, 'plughub_active_versions', 'plugin')).toEqual(['inline', 'silent', 'stuck']);
  });

  it('keeps at most 1,000 label combinations a metric, whatever names fail to load', () => {
    const metrics = new HostMetrics(() => []);
    const started = metrics.clock();
    for (let index = 0; index < 1_500; index++) metrics.failed(`name-${index}`, new IntegrityError('x'), started);
    const snapshot = metrics.snapshot();
    const failures = seriesOf(snapshot, 'plughub_load_failures_total');
    expect(failures.length).toBe(1_001);
    expect(failures.at(-1)).toEqual({ labels: { plugin: OVERFLOW_LABEL, reason: OVERFLOW_LABEL }, value: 500 });
    expect(figureOf(snapshot, 'plughub_loads_total')).toBe(1_500);
    expect(countOf(snapshot, 'plughub_load_duration_seconds')).toBe(1_500);
  });
});
