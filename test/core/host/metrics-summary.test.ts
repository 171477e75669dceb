import { describe, expect, it } from 'vitest';
import { createHost, summarizePluginMetrics } from '../../../src/core/index.js';

const encoder = new TextEncoder();

function bundle(code: string, name: string, version = '1.0.0') {
  return { manifest: { name, version, source: { mode: 'esm', path: 'index.js' } }, bytes: encoder.encode(code), location: `memory:${name}` };
}

describe('summarizePluginMetrics', () => {
  it("sums a version's calls, errors and latencies, and the plugin's loads", async () => {
    const host = createHost();
    await host.loadBundle(bundle('export function execute(ctx) { if (ctx.get("fail")) throw new Error("no"); return 1; }', 'counted'));
    await host.loadBundle(bundle('export function execute() { return 2; }', 'other'));
    for (let index = 0; index < 9; index++) await host.execute('counted');
    await expect(host.execute('counted', { values: { fail: true } })).rejects.toThrow();
    await host.execute('other');
    const summary = summarizePluginMetrics(host.metrics(), 'counted', '1.0.0');
    expect(summary).toMatchObject({ calls: 10, callErrors: 1, routeRequests: 0, routeErrors: 0, loads: 1, loadFailures: 0 });
    expect(summary.callP50Ms).toBeGreaterThan(0);
    expect(summary.callP99Ms).toBeGreaterThanOrEqual(summary.callP50Ms as number);
    expect(summary.loadMeanMs).toBeGreaterThan(0);
    expect(summary.workerHeapBytes).toBeUndefined();
    expect(summarizePluginMetrics(host.metrics(), 'counted', '9.9.9')).toEqual({
      calls: 0,
      callErrors: 0,
      routeRequests: 0,
      routeErrors: 0,
      loads: 1,
      loadFailures: 0,
      loadMeanMs: summary.loadMeanMs,
    });
    await host.close();
  });
});
