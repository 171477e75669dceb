/**
 * A plugin version's figures at a glance, from a host's metrics snapshot:
 * calls and their errors with p50 and p99 latency, route requests and
 * their server errors, loads, load failures and the last load's duration
 * bucket, and a worker's heap. The management API shows it for each
 * loaded plugin, and pages draw from it.
 */
import { histogramQuantile, type HistogramMetricSnapshot, type MetricsSnapshot, type ValueMetricSnapshot } from '../metrics/index.js';

/** One plugin version's figures (latencies in milliseconds; absent when nothing was measured). */
export interface PluginMetricsSummary {
  calls: number;
  callErrors: number;
  callP50Ms?: number;
  callP99Ms?: number;
  routeRequests: number;
  /** Route answers with a 5xx status. */
  routeErrors: number;
  routeP50Ms?: number;
  routeP99Ms?: number;
  /** Loads of the plugin (every version), by outcome. */
  loads: number;
  loadFailures: number;
  /** The mean duration of the plugin's successful loads. */
  loadMeanMs?: number;
  /** The worker's heap, for a worker-isolated version. */
  workerHeapBytes?: number;
}

type Labels = Readonly<Record<string, string>>;

/** The summary of `name@version` in `snapshot`. */
export function summarizePluginMetrics(snapshot: MetricsSnapshot, name: string, version: string): PluginMetricsSummary {
  const byName = new Map(snapshot.metrics.map((metric) => [metric.name, metric]));
  const values = (metric: string) => (byName.get(metric) as ValueMetricSnapshot | undefined)?.series ?? [];
  const of = (labels: Labels, plugin: boolean) => labels.plugin === name && (plugin || labels.version === version);
  const sum = (metric: string, keep: (labels: Labels) => boolean) =>
    values(metric)
      .filter((series) => keep(series.labels))
      .reduce((total, series) => total + series.value, 0);
  const executions = sum('plughub_executions_total', (labels) => of(labels, false));
  const summary: PluginMetricsSummary = {
    calls: executions,
    callErrors: sum('plughub_executions_total', (labels) => of(labels, false) && labels.outcome !== 'ok'),
    routeRequests: sum('plughub_route_requests_total', (labels) => of(labels, false)),
    routeErrors: sum('plughub_route_requests_total', (labels) => of(labels, false) && (labels.status ?? '').startsWith('5')),
    loads: sum('plughub_loads_total', (labels) => of(labels, true)),
    loadFailures: sum('plughub_load_failures_total', (labels) => of(labels, true)),
  };
  Object.assign(summary, latencies(byName.get('plughub_execution_duration_seconds'), name, version, 'call'));
  Object.assign(summary, latencies(byName.get('plughub_route_request_duration_seconds'), name, version, 'route'));
  const loadsOk = (byName.get('plughub_load_duration_seconds') as HistogramMetricSnapshot | undefined)?.series.filter(
    (series) => series.labels.plugin === name && series.labels.outcome === 'ok',
  );
  const loadCount = loadsOk?.reduce((total, series) => total + series.count, 0) ?? 0;
  if (loadsOk && loadCount > 0) summary.loadMeanMs = (loadsOk.reduce((total, series) => total + series.sum, 0) / loadCount) * 1000;
  const heap = values('plughub_worker_heap_used_bytes').find((series) => of(series.labels, false));
  if (heap) summary.workerHeapBytes = heap.value;
  return summary;
}

/** p50 and p99 in ms over every series of `name@version` in a latency histogram (their buckets summed). */
function latencies(metric: unknown, name: string, version: string, prefix: 'call' | 'route'): Partial<PluginMetricsSummary> {
  const histogram = metric as HistogramMetricSnapshot | undefined;
  if (histogram?.type !== 'histogram') return {};
  const series = histogram.series.filter((one) => one.labels.plugin === name && one.labels.version === version);
  if (series.length === 0) return {};
  const merged = {
    labels: {},
    buckets: histogram.bounds.map((_, index) => series.reduce((total, one) => total + (one.buckets[index] ?? 0), 0)),
    sum: series.reduce((total, one) => total + one.sum, 0),
    count: series.reduce((total, one) => total + one.count, 0),
  };
  const p50 = histogramQuantile(histogram.bounds, merged, 0.5);
  const p99 = histogramQuantile(histogram.bounds, merged, 0.99);
  return {
    ...(p50 !== undefined ? { [`${prefix}P50Ms`]: p50 * 1000 } : {}),
    ...(p99 !== undefined ? { [`${prefix}P99Ms`]: p99 * 1000 } : {}),
  };
}
