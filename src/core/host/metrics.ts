/**
 * The figures a host keeps about its plugins, on one MetricSet per host,
 * platform-neutral: `host.metrics()` returns their snapshot in browsers and
 * Node alike, and `plughub host` exposes it as Prometheus text at /metrics.
 *
 * - Loads: `plughub_loads_total{plugin,outcome}` (`ok`, `error`) with their
 *   whole duration (`plughub_load_duration_seconds`, same labels), each
 *   phase's duration (`plughub_load_phase_duration_seconds{plugin,phase}`:
 *   resolve, download, verify, import, activate), where documents and
 *   bundles came from (`plughub_load_cache_total{plugin,kind,outcome}`: hit,
 *   revalidated, miss, offline), failures by reason
 *   (`plughub_load_failures_total{plugin,reason}`, failure-reason.ts),
 *   upgrades and reloads (`plughub_upgrades_total{plugin,reason}`).
 * - Calls: `plughub_executions_total{plugin,version,outcome}` (ok, error,
 *   cancelled, deadline) with `plughub_execution_duration_seconds`, and
 *   `plughub_route_requests_total{plugin,version,route,status}` with
 *   `plughub_route_request_duration_seconds{plugin,version,route}`; `route`
 *   is the route's label, never a request path. Each loaded version gets a
 *   VersionMeter whose series are bound once, so a call costs no lookup.
 * - State, read at snapshot time: `plughub_active_versions{plugin,version}`
 *   (1 per version serving or finishing its calls; gone once unloaded or
 *   retired), `plughub_worker_restarts_total{plugin}` and, for
 *   worker-isolated versions whose worker reports it (Node does, browsers
 *   cannot), `plughub_worker_heap_used_bytes{plugin,version}` as last read
 *   by `refresh()`.
 *
 * A counter and the histogram of the same event move in one synchronous
 * step, so every snapshot has `_total` equal to the histogram's `_count`.
 */
import type { InstanceMeter, LoadedInstance } from '../isolation/index.js';
import { isCancelledError, isDeadlineExceededError, isUnloadedError } from '../errors/index.js';
import { MetricSet, type Counter, type Histogram, type HistogramCell, type MetricsSnapshot, type ValueCell } from '../metrics/index.js';
import { loadFailureReason } from './failure-reason.js';
import type { SwapReason } from './types.js';

/** The steps of a load, each timed on its own. */
export type LoadPhase = 'resolve' | 'download' | 'verify' | 'import' | 'activate';

/** What a load reads through a cache: the plugin's document or its bundle. */
export type CacheKind = 'document' | 'bundle';

/**
 * Where a document or bundle came from: the cache without asking (`hit`),
 * the cache after the registry said it is current (`revalidated`, a 304),
 * the registry (`miss`), or the cache because the registry was unreachable
 * (`offline`).
 */
export type CacheOutcome = 'hit' | 'revalidated' | 'miss' | 'offline';

/** How a call ended. */
export type ExecutionOutcome = 'ok' | 'error' | 'cancelled' | 'deadline';

/** Load and phase buckets, in seconds: from 1 ms to a minute. */
const LOAD_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** How long `refresh` waits for a worker's heap figure. */
const HEAP_READ_MS = 1_000;

/** The clock durations are measured with, in milliseconds. */
/** The clock latencies are measured with (ms, monotonic). */
export const clock = (): number => performance.now();

/** Seconds since `started` (a `clock()` reading). */
const since = (started: number): number => (clock() - started) / 1000;

/** How a call's failure is counted: a caller's own signal aborts with its reason unchanged (an AbortError, a TimeoutError). */
function outcomeOf(error: unknown): ExecutionOutcome {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (isDeadlineExceededError(error) || name === 'TimeoutError') return 'deadline';
  if (isCancelledError(error) || isUnloadedError(error) || name === 'AbortError') return 'cancelled';
  return 'error';
}

/** The metric objects of a host, shared by its VersionMeters. */
interface CallMetrics {
  executions: Counter;
  executionDuration: Histogram;
  routeRequests: Counter;
  routeDuration: Histogram;
  restarts: Counter;
}

/** The series of one route of one version: its latency, and one count per status code (bound on first use). */
interface RouteCells {
  latency: HistogramCell;
  byStatus: Map<number, ValueCell>;
  labels: { plugin: string; version: string; route: string };
}

/** The figures of one loaded version, with every series bound to its plugin and version (see the module comment). */
export class VersionMeter implements InstanceMeter {
  readonly #metrics: CallMetrics;
  readonly #plugin: string;
  readonly #version: string;
  /** The execution series, bound on the first call (a version that never runs adds none). */
  #execution: { outcomes: Record<ExecutionOutcome, ValueCell>; latency: HistogramCell } | undefined;
  readonly #routes = new Map<string, RouteCells>();
  #restarts: ValueCell | undefined;

  constructor(metrics: CallMetrics, plugin: string, version: string) {
    this.#metrics = metrics;
    this.#plugin = plugin;
    this.#version = version;
  }

  /** Counts `work`, one call of execute, by how it ends and records its latency; settles as `work` does. */
  execution<T>(work: Promise<T>): Promise<T> {
    const started = clock();
    return work.then(
      (value) => {
        this.#executed('ok', started);
        return value;
      },
      (error: unknown) => {
        this.#executed(outcomeOf(error), started);
        throw error;
      },
    );
  }

  /** A request of the route labelled `route` answered `status`; `started` is the `clock()` reading when it was matched. */
  routed(route: string, status: number, started: number): void {
    this.#routed(route, status, started);
  }

  /** A worker of this version started again after the previous one was lost. */
  workerRestarted(): void {
    this.#restarts ??= this.#metrics.restarts.series({ plugin: this.#plugin });
    this.#restarts.value += 1;
  }

  #executed(outcome: ExecutionOutcome, started: number): void {
    const execution = (this.#execution ??= this.#bindExecution());
    execution.outcomes[outcome].value += 1;
    this.#metrics.executionDuration.record(execution.latency, since(started));
  }

  #bindExecution(): { outcomes: Record<ExecutionOutcome, ValueCell>; latency: HistogramCell } {
    const plugin = this.#plugin;
    const version = this.#version;
    const cell = (outcome: ExecutionOutcome) => this.#metrics.executions.series({ plugin, version, outcome });
    const outcomes = { ok: cell('ok'), error: cell('error'), cancelled: cell('cancelled'), deadline: cell('deadline') };
    return { outcomes, latency: this.#metrics.executionDuration.series({ plugin, version }) };
  }

  #routed(route: string, status: number, started: number): void {
    const cells = this.#routeCells(route);
    let counted = cells.byStatus.get(status);
    if (!counted) {
      counted = this.#metrics.routeRequests.series({ ...cells.labels, status: String(status) });
      cells.byStatus.set(status, counted);
    }
    counted.value += 1;
    this.#metrics.routeDuration.record(cells.latency, since(started));
  }

  #routeCells(route: string): RouteCells {
    let cells = this.#routes.get(route);
    if (!cells) {
      const labels = { plugin: this.#plugin, version: this.#version, route };
      cells = { labels, latency: this.#metrics.routeDuration.series(labels), byStatus: new Map() };
      this.#routes.set(route, cells);
    }
    return cells;
  }
}

/** The metrics of one host (see the module comment). */
export class HostMetrics {
  readonly #set = new MetricSet();
  readonly #live: () => LoadedInstance[];
  readonly #heapFigures = new WeakMap<LoadedInstance, number>();
  readonly #calls: CallMetrics;
  readonly #loads = this.#set.counter({
    name: 'plughub_loads_total',
    help: 'Loads of plugin versions (upgrades and reloads included), by outcome.',
    labelNames: ['plugin', 'outcome'],
  });
  readonly #loadDuration = this.#set.histogram({
    name: 'plughub_load_duration_seconds',
    help: 'How long loads of plugin versions took, from the request to serving or failing.',
    labelNames: ['plugin', 'outcome'],
    bounds: LOAD_BUCKETS,
  });
  readonly #phases = this.#set.histogram({
    name: 'plughub_load_phase_duration_seconds',
    help: 'How long each phase of a load took: resolve, download, verify, import, activate.',
    labelNames: ['plugin', 'phase'],
    bounds: LOAD_BUCKETS,
  });
  readonly #cache = this.#set.counter({
    name: 'plughub_load_cache_total',
    help: 'Documents and bundles read by loads, by where they came from: hit, revalidated, miss, offline.',
    labelNames: ['plugin', 'kind', 'outcome'],
  });
  readonly #failures = this.#set.counter({
    name: 'plughub_load_failures_total',
    help: 'Loads, upgrades and reloads that failed, by reason.',
    labelNames: ['plugin', 'reason'],
  });
  readonly #upgrades = this.#set.counter({
    name: 'plughub_upgrades_total',
    help: 'Versions swapped in for others, by reason: upgrade or reload.',
    labelNames: ['plugin', 'reason'],
  });

  constructor(live: () => LoadedInstance[]) {
    this.#live = live;
    const set = this.#set;
    this.#calls = {
      executions: set.counter({
        name: 'plughub_executions_total',
        help: 'Calls of execute, by outcome: ok, error, cancelled, deadline.',
        labelNames: ['plugin', 'version', 'outcome'],
      }),
      executionDuration: set.histogram({
        name: 'plughub_execution_duration_seconds',
        help: 'How long calls of execute took.',
        labelNames: ['plugin', 'version'],
      }),
      routeRequests: set.counter({
        name: 'plughub_route_requests_total',
        help: 'Requests answered by plugin routes, by route label and status code.',
        labelNames: ['plugin', 'version', 'route', 'status'],
      }),
      routeDuration: set.histogram({
        name: 'plughub_route_request_duration_seconds',
        help: 'How long plugin routes took to answer.',
        labelNames: ['plugin', 'version', 'route'],
      }),
      restarts: set.counter({
        name: 'plughub_worker_restarts_total',
        help: 'Workers of isolated plugins started again after one was lost.',
        labelNames: ['plugin'],
      }),
    };
    const active = set.gauge({
      name: 'plughub_active_versions',
      help: 'Plugin versions loaded (serving, or finishing their calls after a swap).',
      labelNames: ['plugin', 'version'],
    });
    const heap = set.gauge({
      name: 'plughub_worker_heap_used_bytes',
      help: "The heap a worker-isolated plugin version's worker uses, as last read.",
      labelNames: ['plugin', 'version'],
    });
    set.onCollect(() => {
      active.reset();
      heap.reset();
      for (const instance of this.#live()) {
        const labels = { plugin: instance.name, version: instance.version };
        active.inc(labels);
        const used = this.#heapFigures.get(instance);
        if (used !== undefined) heap.set(labels, used);
      }
    });
  }

  /** A reading of the clock that `phase` and the load records measure from. */
  clock(): number {
    return clock();
  }

  /** Records how long `phase` of a load of `plugin` took since `started` (a `clock()` reading). */
  phase(plugin: string, phase: LoadPhase, started: number): void {
    this.#phases.observe({ plugin, phase }, since(started));
  }

  /** Counts where a load of `plugin` got its document or bundle. */
  cache(plugin: string, kind: CacheKind, outcome: CacheOutcome): void {
    this.#cache.inc({ plugin, kind, outcome });
  }

  /** A version of `plugin` now serves: a load that began at `started`. */
  loaded(plugin: string, started: number): void {
    this.#load(plugin, 'ok', started);
  }

  /** A version of `plugin` replaced another (upgrade or reload), a load that began at `started`. */
  swapped(plugin: string, reason: SwapReason, started: number): void {
    this.#load(plugin, 'ok', started);
    this.#upgrades.inc({ plugin, reason });
  }

  /** A load, upgrade or reload of `plugin` that began at `started` failed with `error`. */
  failed(plugin: string, error: unknown, started: number): void {
    this.#load(plugin, 'error', started);
    this.#failures.inc({ plugin, reason: loadFailureReason(error, plugin) });
  }

  /** The meter a new version reports its calls to. */
  meter(plugin: string, version: string): VersionMeter {
    return new VersionMeter(this.#calls, plugin, version);
  }

  /**
   * Reads the heap of every worker-isolated version's worker (in parallel,
   * each bounded to a second); the next snapshot reports them. A version
   * whose worker cannot tell (a browser's) has no figure.
   */
  async refresh(): Promise<void> {
    await Promise.all(
      this.#live().map(async (instance) => {
        if (!instance.heapUsed) return;
        const used = await withinMs(instance.heapUsed(), HEAP_READ_MS);
        if (used !== undefined) this.#heapFigures.set(instance, used);
      }),
    );
  }

  /** Every figure now, read in one synchronous step. */
  snapshot(): MetricsSnapshot {
    return this.#set.snapshot();
  }

  #load(plugin: string, outcome: 'ok' | 'error', started: number): void {
    this.#loads.inc({ plugin, outcome });
    this.#loadDuration.observe({ plugin, outcome }, since(started));
  }
}

/** What `work` resolves with, or undefined when it rejects or takes longer than `ms`. */
function withinMs<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  return Promise.race([work.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}
