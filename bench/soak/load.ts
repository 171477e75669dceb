/**
 * A steady request rate from this process: `rate` requests a second over
 * keep-alive connections (node:http Agents with a bounded socket count),
 * issued on a 5 ms tick whatever the answers' pace, never more than
 * `maxInFlight` at a time (a request that would pass it is counted as
 * `skipped`: the server fell behind). Each request says which statuses it
 * expects; any other status, a network error or a timeout is an error.
 * Latencies go to a histogram of 0.1 ms steps.
 */
import { Agent, request as httpRequest } from 'node:http';

/** One request of the mix. */
export interface LoadRequest {
  path: string;
  headers?: Record<string, string>;
  expect: readonly number[];
}

/** What a load reports when it stops. */
export interface LoadReport {
  sent: number;
  answered: number;
  skipped: number;
  errors: number;
  statuses: Record<string, number>;
  messages: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const STEP_MS = 0.1;
const STEPS = 20_000;

/** Drives `rate` requests a second at `url`, each chosen by `pick(i)`, until `stop()`. */
export function steadyLoad(
  url: string,
  rate: number,
  pick: (i: number) => LoadRequest,
  options: { sockets?: number; maxInFlight?: number; timeoutMs?: number } = {},
) {
  const base = new URL(url);
  // FIFO reuse keeps every socket busy: with LIFO (Node's default) a socket left idle past the server's
  // keep-alive timeout could be picked just as the server closes it, an ECONNRESET of the client's making.
  const agent = new Agent({ keepAlive: true, maxSockets: options.sockets ?? 8, scheduling: 'fifo' });
  const maxInFlight = options.maxInFlight ?? 256;
  const timeoutMs = options.timeoutMs ?? 5000;
  const histogram = new Uint32Array(STEPS + 1);
  const statuses: Record<string, number> = {};
  const messages = new Map<string, number>();
  let sent = 0;
  let answered = 0;
  let skipped = 0;
  let errors = 0;
  let inFlight = 0;
  let maxMs = 0;
  let drained: (() => void) | undefined;

  function error(message: string): void {
    errors++;
    messages.set(message, (messages.get(message) ?? 0) + 1);
  }

  function finish(began: number): void {
    const ms = performance.now() - began;
    maxMs = Math.max(maxMs, ms);
    histogram[Math.min(STEPS, Math.floor(ms / STEP_MS))]!++;
    inFlight--;
    if (inFlight === 0) drained?.();
  }

  function issue(item: LoadRequest): void {
    const began = performance.now();
    inFlight++;
    sent++;
    const req = httpRequest({ host: base.hostname, port: base.port, path: item.path, headers: item.headers, agent, timeout: timeoutMs }, (res) => {
      res.on('data', () => {});
      res.on('error', (cause) => {
        error(`GET ${item.path}: ${cause.message}`);
        finish(began);
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        statuses[status] = (statuses[status] ?? 0) + 1;
        answered++;
        if (!item.expect.includes(status)) error(`GET ${item.path}: ${status}, expected ${item.expect.join(' or ')}`);
        finish(began);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (cause) => {
      error(`GET ${item.path}: ${cause.message}`);
      finish(began);
    });
    req.end();
  }

  const started = performance.now();
  let issued = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; issued < due; issued++) {
      if (inFlight >= maxInFlight) skipped++;
      else issue(pick(issued));
    }
  }, 5);

  function quantile(q: number): number {
    const total = histogram.reduce((sum, count) => sum + count, 0);
    let seen = 0;
    for (let step = 0; step <= STEPS; step++) {
      seen += histogram[step]!;
      if (seen >= total * q) return (step + 1) * STEP_MS;
    }
    return maxMs;
  }

  return {
    /** Stops issuing, waits for the requests in flight and reports. */
    async stop(): Promise<LoadReport> {
      clearInterval(timer);
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      agent.destroy();
      const listed = [...messages]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([message, count]) => `${count}× ${message}`);
      return { sent, answered, skipped, errors, statuses, messages: listed, p50Ms: quantile(0.5), p99Ms: quantile(0.99), maxMs };
    },
  };
}
