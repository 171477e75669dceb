/**
 * Metrics kept in memory, platform-neutral: counters, gauges and
 * histograms with label values, registered in a `MetricSet` that takes
 * snapshots. A metric holds at most `maxSeries` label combinations (default
 * 1,000); past that, observations of new combinations go to one overflow
 * series whose labels are all `_overflow`, so a caller that labels by
 * something unbounded cannot grow memory. A hot path binds its labels once
 * (`counter.series({ plugin, version })`) and updates the bound series with
 * no lookup.
 */
import { UsageError } from '../errors/index.js';
import type { HistogramMetricSnapshot, LabelValues, MetricSnapshot, MetricsSnapshot, ValueMetricSnapshot } from './types.js';

/** The label value of the series that takes new combinations once a metric is full. */
export const OVERFLOW_LABEL = '_overflow';

/** Latency buckets in seconds, from 0.5 ms to 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** What every metric is created with. */
export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

/** A counter or gauge series bound to its labels. */
export interface ValueCell {
  readonly labels: LabelValues;
  value: number;
}

/** A histogram series bound to its labels. */
export interface HistogramCell {
  readonly labels: LabelValues;
  /** Per-bucket counts (not cumulative; the snapshot accumulates them), one more than the bounds for +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** The label handling every metric shares: checking, keying and bounding its series. */
abstract class LabelledMetric<Cell> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly cells = new Map<string, Cell>();
  readonly #maxSeries: number;

  constructor(options: MetricOptions, maxSeries: number) {
    if (!METRIC_NAME.test(options.name)) throw new UsageError(`metric name ${JSON.stringify(options.name)} is not a valid Prometheus name`);
    for (const label of options.labelNames ?? []) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') {
        throw new UsageError(`metric ${options.name}: label name ${JSON.stringify(label)} is not allowed`);
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    this.#maxSeries = maxSeries;
  }

  protected abstract create(labels: LabelValues): Cell;

  /** The cell of these label values, created on first use (or the overflow cell once the metric is full). */
  protected cell(labels: LabelValues = {}): Cell {
    let key = '';
    for (const name of this.labelNames) {
      const value = labels[name];
      if (typeof value !== 'string') throw new UsageError(`metric ${this.name}: label ${name} is missing`);
      key += `${value}\u0000`;
    }
    const found = this.cells.get(key);
    if (found) return found;
    if (this.cells.size >= this.#maxSeries) return this.overflow();
    const ordered: Record<string, string> = {};
    for (const name of this.labelNames) ordered[name] = labels[name] as string;
    const created = this.create(ordered);
    this.cells.set(key, created);
    return created;
  }

  private overflow(): Cell {
    const key = OVERFLOW_LABEL;
    let cell = this.cells.get(key);
    if (!cell) {
      const labels: Record<string, string> = {};
      for (const name of this.labelNames) labels[name] = OVERFLOW_LABEL;
      cell = this.create(labels);
      this.cells.set(key, cell);
    }
    return cell;
  }

  /** The cells to report: a metric without labels has its one series from the start (a counter that never moved reads 0). */
  protected reported(): IterableIterator<Cell> {
    if (this.labelNames.length === 0 && this.cells.size === 0) this.cell();
    return this.cells.values();
  }

  /** The snapshot of a counter or gauge (their cells are ValueCells). */
  protected valueSnapshot(this: LabelledMetric<ValueCell>, type: 'counter' | 'gauge'): ValueMetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type,
      labelNames: this.labelNames,
      series: [...this.reported()].map((cell) => ({ labels: cell.labels, value: cell.value })),
    };
  }

  /** Forgets every series (a gauge that is recomputed, a test). */
  reset(): void {
    this.cells.clear();
  }

  abstract snapshot(): MetricSnapshot;
}

/** A count that only goes up. */
export class Counter extends LabelledMetric<ValueCell> {
  protected create(labels: LabelValues): ValueCell {
    return { labels, value: 0 };
  }

  /** Adds `by` (default 1, never negative) to the series of `labels`. */
  inc(labels?: LabelValues, by = 1): void {
    if (!(by >= 0)) throw new UsageError(`counter ${this.name}: cannot add ${by}`);
    this.cell(labels).value += by;
  }

  /** The series of `labels`, bound: `cell.value += 1` counts without a lookup. */
  series(labels?: LabelValues): ValueCell {
    return this.cell(labels);
  }

  snapshot(): ValueMetricSnapshot {
    return this.valueSnapshot('counter');
  }
}

/** A value that goes up and down. */
export class Gauge extends LabelledMetric<ValueCell> {
  protected create(labels: LabelValues): ValueCell {
    return { labels, value: 0 };
  }

  /** Sets the series of `labels` to `value`. */
  set(labels: LabelValues | undefined, value: number): void {
    this.cell(labels).value = value;
  }

  /** Adds `by` (default 1; negative to lower it) to the series of `labels`. */
  inc(labels?: LabelValues, by = 1): void {
    this.cell(labels).value += by;
  }

  /** The series of `labels`, bound. */
  series(labels?: LabelValues): ValueCell {
    return this.cell(labels);
  }

  /** Drops the series of `labels` (a version that is no longer loaded). */
  remove(labels: LabelValues): void {
    let key = '';
    for (const name of this.labelNames) key += `${labels[name] ?? ''}\u0000`;
    this.cells.delete(key);
  }

  snapshot(): ValueMetricSnapshot {
    return this.valueSnapshot('gauge');
  }
}

/** A distribution of observations in fixed buckets. */
export class Histogram extends LabelledMetric<HistogramCell> {
  readonly bounds: readonly number[];

  constructor(options: MetricOptions & { bounds?: readonly number[] }, maxSeries: number) {
    super(options, maxSeries);
    const bounds = options.bounds ?? LATENCY_BUCKETS;
    if (bounds.length === 0 || bounds.some((bound, index) => !Number.isFinite(bound) || (index > 0 && bound <= (bounds[index - 1] as number)))) {
      throw new UsageError(`histogram ${options.name}: bucket bounds must be finite and ascending`);
    }
    this.bounds = [...bounds];
  }

  protected create(labels: LabelValues): HistogramCell {
    return { labels, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  /** Records one observation in the series of `labels`. */
  observe(labels: LabelValues | undefined, value: number): void {
    this.record(this.cell(labels), value);
  }

  /** The series of `labels`, bound: pass it to `record`. */
  series(labels?: LabelValues): HistogramCell {
    return this.cell(labels);
  }

  /** Records one observation in a bound series. */
  record(cell: HistogramCell, value: number): void {
    const { bounds } = this;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index++;
    cell.counts[index] = (cell.counts[index] as number) + 1;
    cell.sum += value;
    cell.count += 1;
  }

  snapshot(): HistogramMetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type: 'histogram',
      labelNames: this.labelNames,
      bounds: this.bounds,
      series: [...this.reported()].map((cell) => {
        const buckets: number[] = [];
        let running = 0;
        for (let index = 0; index < this.bounds.length; index++) {
          running += cell.counts[index] as number;
          buckets.push(running);
        }
        return { labels: cell.labels, buckets, sum: cell.sum, count: cell.count };
      }),
    };
  }
}

/** A named set of metrics that snapshots them together. */
export class MetricSet {
  readonly #metrics = new Map<string, Counter | Gauge | Histogram>();
  readonly #maxSeries: number;
  readonly #collectors: Array<() => void> = [];
  readonly #now: () => number;

  /** `maxSeries` bounds each metric's label combinations; `now` stamps snapshots. */
  constructor(options: { maxSeries?: number; now?: () => number } = {}) {
    this.#maxSeries = options.maxSeries ?? 1_000;
    this.#now = options.now ?? Date.now;
  }

  /** Creates and registers a counter. */
  counter(options: MetricOptions): Counter {
    return this.add(new Counter(options, this.#maxSeries));
  }

  /** Creates and registers a gauge. */
  gauge(options: MetricOptions): Gauge {
    return this.add(new Gauge(options, this.#maxSeries));
  }

  /** Creates and registers a histogram (default bounds: LATENCY_BUCKETS, in seconds). */
  histogram(options: MetricOptions & { bounds?: readonly number[] }): Histogram {
    return this.add(new Histogram(options, this.#maxSeries));
  }

  /** Runs `collect` before every snapshot, to set gauges read from elsewhere (worker heaps, table sizes). */
  onCollect(collect: () => void): void {
    this.#collectors.push(collect);
  }

  /** Every metric now, in registration order; all figures are read in one synchronous step. */
  snapshot(): MetricsSnapshot {
    for (const collect of this.#collectors) collect();
    return { takenAt: this.#now(), metrics: [...this.#metrics.values()].map((metric) => metric.snapshot()) };
  }

  private add<T extends Counter | Gauge | Histogram>(metric: T): T {
    if (this.#metrics.has(metric.name)) throw new UsageError(`metric ${metric.name} is registered twice`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}
