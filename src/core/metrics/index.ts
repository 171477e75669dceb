/** Platform-neutral metrics: counters, gauges and histograms in a MetricSet, snapshots, quantiles. */
export { Counter, Gauge, Histogram, LATENCY_BUCKETS, MetricSet, OVERFLOW_LABEL } from './metric-set.js';
export type { HistogramCell, MetricOptions, ValueCell } from './metric-set.js';
export { histogramQuantile } from './quantile.js';
export type {
  HistogramMetricSnapshot,
  HistogramSeries,
  LabelValues,
  MetricSnapshot,
  MetricsSnapshot,
  MetricType,
  ValueMetricSnapshot,
  ValueSeries,
} from './types.js';
