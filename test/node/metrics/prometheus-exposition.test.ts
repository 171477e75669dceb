import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MetricSet } from '../../../src/core/metrics/index.js';
import { createPrometheusExposition } from '../../../src/node/metrics/prometheus.js';

/** promtool's verdict on an exposition: its exit status and each problem line it printed. */
function promtool(text: string): { status: number | null; problems: string[] } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error) throw result.error;
  const problems = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
  return { status: result.status, problems };
}

/** prom-client's own process gauges end in `_total`, which promtool's lint names; nothing else may be reported. */
const PROM_CLIENT_LINT = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

function sampleSet(): MetricSet {
  const set = new MetricSet();
  const calls = set.counter({ name: 'plughub_calls_total', help: 'Calls by "plugin"\nand version.', labelNames: ['plugin', 'version'] });
  calls.inc({ plugin: '@acme/a"b\\c', version: '1.0.0' }, 3);
  const latency = set.histogram({ name: 'plughub_call_duration_seconds', help: 'Call latency.', labelNames: ['plugin'], bounds: [0.01, 0.1] });
  for (const seconds of [0.001, 0.05, 2]) latency.observe({ plugin: 'a' }, seconds);
  set.gauge({ name: 'plughub_active_versions', help: 'Versions serving.' }).set(undefined, 2);
  return set;
}

describe('createPrometheusExposition', () => {
  it('formats counters, gauges and histograms that promtool parses, labels escaped', async () => {
    const exposition = createPrometheusExposition([() => sampleSet().snapshot()]);
    const text = await exposition.text();
    expect(exposition.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('plughub_calls_total{plugin="@acme/a\\"b\\\\c",version="1.0.0"} 3');
    expect(text).toContain('# HELP plughub_calls_total Calls by "plugin"\\nand version.');
    expect(text).toContain('plughub_call_duration_seconds_bucket{le="0.01",plugin="a"} 1');
    expect(text).toContain('plughub_call_duration_seconds_bucket{le="0.1",plugin="a"} 2');
    expect(text).toContain('plughub_call_duration_seconds_bucket{le="+Inf",plugin="a"} 3');
    expect(text).toContain('plughub_call_duration_seconds_count{plugin="a"} 3');
    expect(text).toContain('plughub_active_versions 2');
    expect(promtool(text)).toEqual({ status: 0, problems: [] });
  });

  it('adds Node process metrics on request, which promtool parses', async () => {
    const text = await createPrometheusExposition([() => sampleSet().snapshot()], { processMetrics: true }).text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    const { status, problems } = promtool(text);
    expect(status === 0 || status === 3).toBe(true);
    expect(problems.filter((line) => !PROM_CLIENT_LINT.test(line))).toEqual([]);
  });

  it('answers each scrape from a fresh snapshot, including metrics that appear later', async () => {
    const set = new MetricSet();
    const calls = set.counter({ name: 'plughub_calls_total', help: 'calls' });
    const exposition = createPrometheusExposition([() => set.snapshot()]);
    expect(await exposition.text()).toContain('plughub_calls_total 0');
    calls.inc(undefined, 5);
    set.gauge({ name: 'plughub_late', help: 'registered after the first scrape' }).set(undefined, 1);
    const text = await exposition.text();
    expect(text).toContain('plughub_calls_total 5');
    expect(text).toContain('plughub_late 1');
  });
});
