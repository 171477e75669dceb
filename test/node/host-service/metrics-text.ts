/**
 * Reading Prometheus text in the /metrics tests: promtool's verdict (the
 * real parser, Debian's prometheus package) and the samples of the text.
 */
import { spawnSync } from 'node:child_process';

/** prom-client's own process gauges end in `_total`, which promtool's lint names; nothing else may be reported. */
export const PROM_CLIENT_LINT = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

/** promtool's verdict on an exposition: its exit status and each problem line it printed. */
export function promtool(text: string): { status: number | null; problems: string[] } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) throw result.error;
  const problems = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
  return { status: result.status, problems };
}

/** The problems promtool finds beyond prom-client's three known lint lines (a parse error makes its status 1). */
export function promtoolProblems(text: string): string[] {
  const { status, problems } = promtool(text);
  const unexpected = problems.filter((line) => !PROM_CLIENT_LINT.test(line));
  return status === 0 || status === 3 ? unexpected : [`promtool exited with ${status}`, ...unexpected];
}

/** One sample of the text: its name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments skipped). */
export function samples(text: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL))
      labels[name as string] = (value as string).replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
    found.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return found;
}

/** The sum of the samples named `name` whose labels include `wanted`. */
export function sampleSum(all: readonly Sample[], name: string, wanted: Record<string, string> = {}): number {
  return all
    .filter((sample) => sample.name === name && Object.entries(wanted).every(([label, value]) => sample.labels[label] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}
