/**
 * The registry's figures, in core's platform-neutral MetricSet: requests by
 * route *pattern* (never a path), method and status, with their latency;
 * response body bytes by route; publishes and refusals by reason; downloads
 * by plugin and version. Each route binds its series once (`routeMetrics`),
 * so a request costs two clock reads, a Map lookup of its method and status,
 * and a few additions. `registry.metrics()` returns the snapshot; the Node
 * server exposes it as Prometheus text at `/metrics` (`plughub serve`).
 */
import { MetricSet, type Counter, type HistogramCell, type Histogram, type ValueCell } from '../src/core/metrics/index.js';
import type { RegistryErrorCode } from './http/errors.js';

/** The route label of requests no route matched. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The registry's metrics and the helpers that update them. */
export interface RegistryMetrics {
  readonly set: MetricSet;
  /** The counter of downloads, by plugin and version (bound per version by the download counter). */
  readonly downloads: Counter;
  /** The bound series of one route pattern. */
  route(pattern: string): RouteMetrics;
  /** Counts a publish: `code` undefined for a published version, else the error code it was refused with. */
  publish(status: number, code: RegistryErrorCode | undefined): void;
}

/** The series of one route pattern, bound once. */
export class RouteMetrics {
  readonly #pattern: string;
  readonly #requests: Counter;
  readonly #histogram: Histogram;
  readonly #duration: HistogramCell;
  readonly #bytes: ValueCell;
  readonly #byMethod = new Map<string, Map<number, ValueCell>>();
  /** The series of the last answer: a hot route answers the same method and status again and again. */
  #last: { method: string; status: number; cell: ValueCell } | undefined;

  constructor(pattern: string, requests: Counter, duration: Histogram, bytes: Counter) {
    this.#pattern = pattern;
    this.#requests = requests;
    this.#histogram = duration;
    this.#duration = duration.series({ route: pattern });
    this.#bytes = bytes.series({ route: pattern });
  }

  /** Records one answered request: its method, status, time taken (seconds) and body bytes. */
  record(method: string, status: number, seconds: number, bodyBytes: number): void {
    const last = this.#last;
    const cell = last !== undefined && last.status === status && last.method === method ? last.cell : this.#requestsCell(method, status);
    cell.value += 1;
    this.#histogram.record(this.#duration, seconds);
    this.#bytes.value += bodyBytes;
  }

  #requestsCell(method: string, status: number): ValueCell {
    let byStatus = this.#byMethod.get(method);
    if (byStatus === undefined) this.#byMethod.set(method, (byStatus = new Map()));
    let cell = byStatus.get(status);
    if (cell === undefined) {
      cell = this.#requests.series({ route: this.#pattern, method: knownMethod(method), status: String(status) });
      byStatus.set(status, cell);
    }
    this.#last = { method, status, cell };
    return cell;
  }
}

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH']);

/** A method label from a bounded set (anything else is `other`). */
function knownMethod(method: string): string {
  return METHODS.has(method) ? method : 'other';
}

/** The `reason` label of a refused publish: what the error code says, in a word. */
export function publishReason(code: RegistryErrorCode): string {
  switch (code) {
    case 'E_UNAUTHORIZED':
      return 'unauthorized';
    case 'E_FORBIDDEN':
      return 'forbidden';
    case 'E_VERSION_EXISTS':
      return 'conflict';
    case 'E_TOO_LARGE':
      return 'too-large';
    case 'E_UNSUPPORTED_MEDIA_TYPE':
      return 'media-type';
    case 'E_UPLOAD_TIMEOUT':
      return 'timeout';
    case 'E_TOO_MANY_UPLOADS':
      return 'too-many-uploads';
    case 'E_MISMATCH':
      return 'mismatch';
    case 'E_BAD_SIGNATURE':
      return 'signature';
    case 'E_UNAVAILABLE':
      return 'unavailable';
    case 'E_INTERNAL':
      return 'internal';
    default:
      // E_BAD_REQUEST and every package or manifest problem.
      return 'invalid';
  }
}

/** Creates the registry's metrics (one set per registry). */
export function createRegistryMetrics(): RegistryMetrics {
  const set = new MetricSet();
  const requests = set.counter({
    name: 'plughub_registry_requests_total',
    help: 'HTTP requests answered by the registry, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
  });
  const duration = set.histogram({
    name: 'plughub_registry_request_duration_seconds',
    help: 'Time from a request reaching the registry handler to its response being ready, by route pattern.',
    labelNames: ['route'],
  });
  const bytes = set.counter({
    name: 'plughub_registry_bytes_served_total',
    help: 'Bytes of response bodies the registry answered GET requests with, by route pattern.',
    labelNames: ['route'],
  });
  const publishes = set.counter({
    name: 'plughub_registry_publishes_total',
    help: 'Publish requests by outcome (published, refused, failed) and reason (the refusal, or none).',
    labelNames: ['outcome', 'reason'],
  });
  const downloads = set.counter({
    name: 'plughub_registry_downloads_total',
    help: 'Bundle downloads (GET of a bundle blob answered 200) by plugin and version, since the server started.',
    labelNames: ['plugin', 'version'],
  });
  const routes = new Map<string, RouteMetrics>();
  return {
    set,
    downloads,
    route(pattern) {
      let found = routes.get(pattern);
      if (found === undefined) routes.set(pattern, (found = new RouteMetrics(pattern, requests, duration, bytes)));
      return found;
    },
    publish(status, code) {
      if (code === undefined) publishes.inc({ outcome: 'published', reason: 'none' });
      else publishes.inc({ outcome: status >= 500 ? 'failed' : 'refused', reason: publishReason(code) });
    },
  };
}
