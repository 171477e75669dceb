/**
 * `/metrics` on `plughub host`: the host's metrics (core's, `host.metrics()`)
 * and the service's own request counts, with Node's process metrics, as
 * Prometheus text formatted by prom-client (src/node/metrics/). Each scrape
 * first reads what only an asynchronous question answers (the heap of each
 * plugin worker: `host.refreshMetrics()`), then takes one snapshot of every
 * source, so the figures of one scrape agree with each other. This module
 * imports prom-client; the service loads it only when metrics are on.
 */
import { MetricSet, type MetricsSnapshot, type ValueCell } from '../../core/metrics/index.js';
import { createPrometheusExposition } from '../metrics/prometheus.js';
import type { MountedPart } from './app.js';

/** Where the service's own HTTP requests are counted: one bound series per status class. */
export class ServiceRequestCounts {
  readonly #set = new MetricSet();
  readonly #byClass: ValueCell[];
  readonly #closed: ValueCell;

  constructor() {
    const requests = this.#set.counter({
      name: 'plughub_host_http_requests_total',
      help: 'Requests the host service answered, by status class (none: the connection closed before a status was sent).',
      labelNames: ['status'],
    });
    this.#byClass = ['1xx', '2xx', '3xx', '4xx', '5xx'].map((status) => requests.series({ status }));
    this.#closed = requests.series({ status: 'none' });
  }

  /** Counts one request answered with `status` (0 when none was sent). */
  count(status: number): void {
    const cell = status >= 100 && status < 600 ? this.#byClass[Math.floor(status / 100) - 1] : this.#closed;
    (cell as ValueCell).value += 1;
  }

  /** The counts now. */
  snapshot(): MetricsSnapshot {
    return this.#set.snapshot();
  }
}

/** What the metrics part reads: the host's figures, and the question that refreshes them. */
export interface MetricsHost {
  metrics(): MetricsSnapshot;
  refreshMetrics(): Promise<void>;
}

/**
 * The part mounted at `/metrics`: GET (and HEAD) answer the Prometheus text
 * of the host's metrics, the service's request counts and Node's process
 * metrics; any other method is a 405, a path below `/metrics` a 404.
 * @example createHostApp({ plugins: host, mounts: [createMetricsPart(host, new ServiceRequestCounts())] })
 */
export function createMetricsPart(host: MetricsHost, requests: ServiceRequestCounts): MountedPart {
  const exposition = createPrometheusExposition([() => host.metrics(), () => requests.snapshot()], { processMetrics: true });
  return {
    path: '/metrics',
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname !== '/metrics') return jsonError(404, 'E_NOT_FOUND', `no metrics at ${pathname.slice(0, 200)}; scrape /metrics`);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return jsonError(405, 'E_METHOD_NOT_ALLOWED', `/metrics answers GET and HEAD, not ${request.method.slice(0, 20)}`, { allow: 'GET, HEAD' });
      }
      await host.refreshMetrics();
      const text = await exposition.text();
      const headers = { 'content-type': exposition.contentType, 'cache-control': 'no-store' };
      return new Response(request.method === 'HEAD' ? null : text, { status: 200, headers });
    },
  };
}

/** The service's metrics: the `/metrics` part, and the counts of requests it reports (the server counts each answer). */
export function createServiceMetrics(host: MetricsHost): { part: MountedPart; requests: ServiceRequestCounts } {
  const requests = new ServiceRequestCounts();
  return { part: createMetricsPart(host, requests), requests };
}

/** A JSON error answer, `{ error: { code, message } }`, as the rest of the service gives them. */
function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}
