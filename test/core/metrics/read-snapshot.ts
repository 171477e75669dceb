/** Reading figures out of a MetricsSnapshot in tests: sums of the series whose labels include the given ones. */
import type { HistogramMetricSnapshot, LabelValues, MetricsSnapshot, ValueMetricSnapshot } from '../../../src/core/metrics/index.js';

const matches = (labels: LabelValues, wanted: LabelValues) => Object.entries(wanted).every(([name, value]) => labels[name] === value);

/** The sum of the counter or gauge `name` over the series that carry `wanted` (0 when none does). */
export function figureOf(snapshot: MetricsSnapshot, name: string, wanted: LabelValues = {}): number {
  const metric = snapshot.metrics.find((found) => found.name === name) as ValueMetricSnapshot | undefined;
  if (!metric || metric.type === ('histogram' as string)) throw new Error(`no counter or gauge ${name}`);
  return metric.series.filter((series) => matches(series.labels, wanted)).reduce((sum, series) => sum + series.value, 0);
}

/** The series of the counter or gauge `name` that carry `wanted`. */
export function seriesOf(snapshot: MetricsSnapshot, name: string, wanted: LabelValues = {}): ValueMetricSnapshot['series'] {
  const metric = snapshot.metrics.find((found) => found.name === name) as ValueMetricSnapshot | undefined;
  if (!metric) throw new Error(`no metric ${name}`);
  return metric.series.filter((series) => matches(series.labels, wanted));
}

/** The observations of the histogram `name` over the series that carry `wanted`. */
export function countOf(snapshot: MetricsSnapshot, name: string, wanted: LabelValues = {}): number {
  const metric = snapshot.metrics.find((found) => found.name === name) as HistogramMetricSnapshot | undefined;
  if (metric?.type !== 'histogram') throw new Error(`no histogram ${name}`);
  return metric.series.filter((series) => matches(series.labels, wanted)).reduce((sum, series) => sum + series.count, 0);
}

/** The label values `label` takes among the series of `name` that carry `wanted`, sorted. */
export function labelValues(snapshot: MetricsSnapshot, name: string, label: string, wanted: LabelValues = {}): string[] {
  const metric = snapshot.metrics.find((found) => found.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  const series = metric.series as Array<{ labels: LabelValues }>;
  return [...new Set(series.filter((one) => matches(one.labels, wanted)).map((one) => one.labels[label] as string))].sort();
}
