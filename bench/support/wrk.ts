/**
 * Load from wrk, as every HTTP benchmark here makes it: one thread, 20
 * connections, latency percentiles on (`wrk -t1 -c20 -d<duration> --latency`),
 * its output read into requests per second, the request count and the p99.
 * A run with error responses or socket errors throws, naming the URL.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What one wrk run measured. */
export interface WrkResult {
  requestsPerSecond: number;
  /** Requests completed in the run. */
  requests: number;
  p99Ms: number;
}

/** Loads `url` for `duration` (wrk's form: `5s`), each request with `headers` (`name: value`). */
export async function runWrk(url: string, duration: string, headers: readonly string[] = []): Promise<WrkResult> {
  const args = ['-t1', '-c20', `-d${duration}`, '--latency', ...headers.flatMap((header) => ['-H', header]), url];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(stdout);
  const requests = /(\d+) requests in/.exec(stdout);
  if (!rps || !p99 || !requests) throw new Error(`cannot read wrk output:\n${stdout}`);
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout);
  if (errors) throw new Error(`${url}: ${errors[1]} error responses`);
  const socketErrors = /Socket errors:.*/.exec(stdout);
  if (socketErrors) throw new Error(`${url}: ${socketErrors[0]}`);
  const scale = p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1;
  return { requestsPerSecond: Number(rps[1]), requests: Number(requests[1]), p99Ms: Number(p99[1]) * scale };
}
