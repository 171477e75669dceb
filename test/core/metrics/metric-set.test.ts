import { describe, expect, it } from 'vitest';
import { MetricSet, OVERFLOW_LABEL, histogramQuantile, type HistogramMetricSnapshot, type ValueMetricSnapshot } from '../../../src/core/metrics/index.js';

const find = <T>(set: MetricSet, name: string) => set.snapshot().metrics.find((metric) => metric.name === name) as T;

describe('MetricSet', () => {
  it('counts by label values, whatever order the labels are given in', () => {
    const set = new MetricSet();
    const calls = set.counter({ name: 'plughub_calls_total', help: 'calls', labelNames: ['plugin', 'version'] });
    calls.inc({ plugin: 'a', version: '1.0.0' });
    calls.inc({ version: '1.0.0', plugin: 'a' }, 2);
    calls.inc({ plugin: 'b', version: '2.0.0' });
    const metric = find<ValueMetricSnapshot>(set, 'plughub_calls_total');
    expect(metric.type).toBe('counter');
    expect(metric.series).toEqual([
      { labels: { plugin: 'a', version: '1.0.0' }, value: 3 },
      { labels: { plugin: 'b', version: '2.0.0' }, value: 1 },
    ]);
  });

  it('lets a hot path bind its series once', () => {
    const set = new MetricSet();
    const calls = set.counter({ name: 'plughub_calls_total', help: 'calls', labelNames: ['plugin'] });
    const cell = calls.series({ plugin: 'a' });
    cell.value += 1;
    cell.value += 1;
    expect(find<ValueMetricSnapshot>(set, 'plughub_calls_total').series).toEqual([{ labels: { plugin: 'a' }, value: 2 }]);
  });

  it('refuses a missing label, a negative increment, a bad name and a duplicate metric', () => {
    const set = new MetricSet();
    const calls = set.counter({ name: 'plughub_calls_total', help: 'calls', labelNames: ['plugin'] });
    expect(() => calls.inc({})).toThrow(/label plugin is missing/);
    expect(() => calls.inc({ plugin: 'a' }, -1)).toThrow(/cannot add -1/);
    expect(() => set.counter({ name: 'plughub calls', help: '' })).toThrow(/not a valid Prometheus name/);
    expect(() => set.gauge({ name: 'plughub_g', help: '', labelNames: ['le'] })).toThrow(/label name "le" is not allowed/);
    expect(() => set.counter({ name: 'plughub_calls_total', help: 'again' })).toThrow(/registered twice/);
  });

  it('folds label combinations past maxSeries into one overflow series', () => {
    const set = new MetricSet({ maxSeries: 3 });
    const calls = set.counter({ name: 'plughub_calls_total', help: 'calls', labelNames: ['plugin'] });
    for (let index = 0; index < 10; index++) calls.inc({ plugin: `p${index}` });
    const { series } = find<ValueMetricSnapshot>(set, 'plughub_calls_total');
    expect(series).toHaveLength(4);
    expect(series.at(-1)).toEqual({ labels: { plugin: OVERFLOW_LABEL }, value: 7 });
  });

  it('keeps histogram buckets cumulative, with sum and count', () => {
    const set = new MetricSet();
    const latency = set.histogram({ name: 'plughub_latency_seconds', help: 'latency', labelNames: ['plugin'], bounds: [0.01, 0.1, 1] });
    for (const seconds of [0.005, 0.01, 0.05, 0.5, 3]) latency.observe({ plugin: 'a' }, seconds);
    const metric = find<HistogramMetricSnapshot>(set, 'plughub_latency_seconds');
    expect(metric.bounds).toEqual([0.01, 0.1, 1]);
    expect(metric.series).toEqual([{ labels: { plugin: 'a' }, buckets: [2, 3, 4], sum: 3.565, count: 5 }]);
  });

  it('refuses bucket bounds that are not ascending', () => {
    expect(() => new MetricSet().histogram({ name: 'plughub_h', help: '', bounds: [1, 1] })).toThrow(/ascending/);
  });

  it('runs collectors before a snapshot and removes gauge series', () => {
    const set = new MetricSet({ now: () => 42 });
    const active = set.gauge({ name: 'plughub_active', help: 'active', labelNames: ['plugin'] });
    let loaded = ['a', 'b'];
    set.onCollect(() => {
      active.reset();
      for (const plugin of loaded) active.set({ plugin }, 1);
    });
    expect(set.snapshot().takenAt).toBe(42);
    expect(find<ValueMetricSnapshot>(set, 'plughub_active').series).toHaveLength(2);
    loaded = ['b'];
    expect(find<ValueMetricSnapshot>(set, 'plughub_active').series).toEqual([{ labels: { plugin: 'b' }, value: 1 }]);
    active.remove({ plugin: 'b' });
    expect(active.snapshot().series).toEqual([]);
  });
});

describe('histogramQuantile', () => {
  it('interpolates inside the bucket the rank falls in, as Prometheus does', () => {
    const bounds = [0.1, 0.2, 0.4];
    const series = { labels: {}, buckets: [50, 90, 100], sum: 0, count: 100 };
    expect(histogramQuantile(bounds, series, 0.5)).toBeCloseTo(0.1);
    expect(histogramQuantile(bounds, series, 0.7)).toBeCloseTo(0.15);
    expect(histogramQuantile(bounds, series, 0.99)).toBeCloseTo(0.38);
  });

  it('answers the last bound for ranks in +Inf and nothing without observations', () => {
    expect(histogramQuantile([1], { labels: {}, buckets: [1], sum: 0, count: 10 }, 0.99)).toBe(1);
    expect(histogramQuantile([1], { labels: {}, buckets: [0], sum: 0, count: 0 }, 0.5)).toBeUndefined();
  });
});
