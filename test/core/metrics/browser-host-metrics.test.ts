/**
 * The browser host offers the same figures as the Node one through
 * `host.metrics()`, and plughub/browser exports what reads them.
 */
import { describe, expect, it } from 'vitest';
import * as browser from '../../../src/browser/index.js';
import { browserSetup } from '../../browser/helpers.js';
import { publish } from '../host/fixture.js';
import { countOf, figureOf, seriesOf } from './read-snapshot.js';

describe('browser host metrics', () => {
  it('counts loads, cache outcomes and calls, and exports the metric helpers', async () => {
    const { registry, host } = browserSetup();
    await publish(registry, 'page', '1.0.0', `export function execute() { return 'shown'; }`);
    const first = host({ database: 'metrics-a' });
    try {
      await first.load('page@^1');
      expect(await first.execute('page')).toBe('shown');
      await first.refreshMetrics();
      const snapshot = first.metrics();
      expect(figureOf(snapshot, 'plughub_loads_total', { plugin: 'page', outcome: 'ok' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_load_cache_total', { plugin: 'page', kind: 'bundle', outcome: 'miss' })).toBe(1);
      expect(figureOf(snapshot, 'plughub_executions_total', { plugin: 'page', version: '1.0.0', outcome: 'ok' })).toBe(1);
      expect(seriesOf(snapshot, 'plughub_worker_heap_used_bytes')).toEqual([]);
      const latency = snapshot.metrics.find((metric) => metric.name === 'plughub_execution_duration_seconds');
      expect(latency?.type).toBe('histogram');
      if (latency?.type === 'histogram') expect(browser.histogramQuantile(latency.bounds, latency.series[0]!, 0.5)).toBeGreaterThan(0);
      expect(countOf(snapshot, 'plughub_load_phase_duration_seconds', { plugin: 'page', phase: 'import' })).toBe(1);
    } finally {
      await first.close();
    }
    expect(browser.loadFailureReason(new browser.IntegrityError('x'))).toBe('integrity');
    expect(new browser.MetricSet().snapshot().metrics).toEqual([]);
  });
});
