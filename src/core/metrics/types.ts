/**
 * The shape of metrics as plughub reports them, on every platform: a
 * snapshot of counters, gauges and histograms, each with its series by
 * label values. `host.metrics()` returns one, and the Node services expose
 * the same figures as Prometheus text (src/node/metrics/). Label values are
 * bounded by what they name (a plugin, a version, a phase, a status), never a
 * request path or a user.
 */

/** A metric's kind, as Prometheus names it. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Label names to values, in the metric's `labelNames` order. */
export type LabelValues = Readonly<Record<string, string>>;

/** One series of a counter or a gauge. */
export interface ValueSeries {
  labels: LabelValues;
  value: number;
}

/** One series of a histogram: the count of observations at or below each bound (cumulative, as Prometheus has them), their sum and count. */
export interface HistogramSeries {
  labels: LabelValues;
  /** `buckets[i]` observations were ≤ the histogram's `bounds[i]`. */
  buckets: number[];
  sum: number;
  count: number;
}

/** A counter or gauge as a snapshot has it. */
export interface ValueMetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labelNames: readonly string[];
  series: ValueSeries[];
}

/** A histogram as a snapshot has it. */
export interface HistogramMetricSnapshot {
  name: string;
  help: string;
  type: 'histogram';
  labelNames: readonly string[];
  /** The upper bounds of the buckets, ascending (the `+Inf` bucket is `count`). */
  bounds: readonly number[];
  series: HistogramSeries[];
}

/** One metric of a snapshot. */
export type MetricSnapshot = ValueMetricSnapshot | HistogramMetricSnapshot;

/** Every metric of a source at one moment (taken in one synchronous step, so its figures agree). */
export interface MetricsSnapshot {
  /** When it was taken (ms since the epoch). */
  takenAt: number;
  metrics: MetricSnapshot[];
}
