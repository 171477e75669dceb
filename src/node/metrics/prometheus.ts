/**
 * Prometheus text exposition of plughub's metrics, by prom-client: a
 * scrape takes one snapshot of every source (core's MetricSet, the
 * registry's), in one synchronous step so its figures agree, and hands it
 * to prom-client metric classes whose `get()` answers from that snapshot;
 * prom-client formats the text (names, escaping, content type) and adds
 * Node's process metrics (heap, event loop lag, CPU) when asked.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HistogramMetricSnapshot, MetricSnapshot, MetricsSnapshot, ValueMetricSnapshot } from '../../core/metrics/index.js';

/** A source of metrics: called once per scrape. */
export type MetricsSource = () => MetricsSnapshot;

/** What a `/metrics` route needs: the content type and the text of one scrape. */
export interface PrometheusExposition {
  readonly contentType: string;
  /** Takes a snapshot of every source and formats it. */
  text(): Promise<string>;
  /** The prom-client registry behind it (to register metrics of one's own). */
  readonly registry: Registry;
}

/** The snapshot of the scrape under way, read by every wrapped metric's get(). */
interface ScrapeState {
  current: Map<string, MetricSnapshot>;
}

/**
 * Creates the exposition of `sources`. With `processMetrics`, prom-client's
 * default Node metrics (`process_*`, `nodejs_*`) are included too.
 * @example const exposition = createPrometheusExposition([() => host.metrics()], { processMetrics: true });
 */
export function createPrometheusExposition(sources: readonly MetricsSource[], options: { processMetrics?: boolean } = {}): PrometheusExposition {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const state: ScrapeState = { current: new Map() };
  const wrapped = new Set<string>();
  return {
    contentType: registry.contentType,
    registry,
    async text() {
      const current = new Map<string, MetricSnapshot>();
      for (const source of sources) {
        for (const metric of source().metrics) current.set(metric.name, metric);
      }
      state.current = current;
      for (const metric of current.values()) {
        if (wrapped.has(metric.name)) continue;
        registry.registerMetric(wrap(metric, state));
        wrapped.add(metric.name);
      }
      return registry.metrics();
    },
  };
}

/** A prom-client metric of the same kind, name and help whose values come from the scrape's snapshot. */
function wrap(metric: MetricSnapshot, state: ScrapeState): Counter | Gauge | Histogram {
  const configuration = { name: metric.name, help: metric.help, labelNames: [...metric.labelNames], registers: [] };
  const { name } = metric;
  if (metric.type === 'histogram') {
    const histogramOf = () => {
      const found = state.current.get(name) as HistogramMetricSnapshot | undefined;
      return found ? histogramValues(found) : [];
    };
    // prom-client formats a histogram from getForPromString, and its get() (the JSON form) is built on it.
    return new (class extends Histogram {
      async getForPromString() {
        return { name, help: metric.help, type: 'histogram', values: histogramOf(), aggregator: 'sum' };
      }
    })({ ...configuration, buckets: [...metric.bounds] });
  }
  const valuesOf = () => {
    const found = state.current.get(name) as ValueMetricSnapshot | undefined;
    return found ? found.series.map((series) => ({ labels: { ...series.labels }, value: series.value })) : [];
  };
  if (metric.type === 'counter') {
    return new (class extends Counter {
      override async get() {
        return { ...(await super.get()), values: valuesOf() };
      }
    })(configuration);
  }
  return new (class extends Gauge {
    override async get() {
      return { ...(await super.get()), values: valuesOf() };
    }
  })(configuration);
}

/** The `_bucket`, `_sum` and `_count` samples of a histogram, as prom-client's own Histogram lists them (its labels as `sharedLabels`). */
function histogramValues(metric: HistogramMetricSnapshot) {
  const values: Array<{ labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string }> = [];
  for (const series of metric.series) {
    const sharedLabels = { ...series.labels };
    metric.bounds.forEach((bound, index) => {
      values.push({ labels: { le: bound }, sharedLabels, value: series.buckets[index] as number, metricName: `${metric.name}_bucket` });
    });
    values.push({ labels: { le: '+Inf' }, sharedLabels, value: series.count, metricName: `${metric.name}_bucket` });
    values.push({ labels: {}, sharedLabels, value: series.sum, metricName: `${metric.name}_sum` });
    values.push({ labels: {}, sharedLabels, value: series.count, metricName: `${metric.name}_count` });
  }
  return values;
}
