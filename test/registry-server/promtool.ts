/**
 * Checks Prometheus text with `promtool check metrics` (Debian's
 * `prometheus` package): the exposition must parse, and lint clean but for
 * the three lines prom-client's own process gauges draw (gauges named
 * `nodejs_active_*_total`); any other line fails.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const ALLOWED = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

/** The lint lines of `text` other than prom-client's three, and the exit code (0 clean, 3 lint problems, 1 unparsable). */
export async function promtoolProblems(text: string): Promise<{ code: number | null; problems: string[] }> {
  const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(text);
  const [code] = (await once(child, 'exit')) as [number | null];
  const problems = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !ALLOWED.test(line));
  return { code, problems };
}
