/**
 * The registry's metrics over a real socket: real publishes (one stored,
 * and refusals for no token, a token for other names, an existing version
 * and a file too large), real document and blob GETs (HEAD and 304 are no
 * downloads), then the counters by route pattern, status and reason, the
 * bytes served, the downloads per version, and the Prometheus text of it
 * all checked by promtool. Labels name patterns, never a path.
 */
import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../../src/core/metrics/index.js';
import { createPrometheusExposition } from '../../src/node/metrics/prometheus.js';
import { pluginPackage, publishRequest } from './helpers.js';
import { promtoolProblems } from './promtool.js';
import { servedRegistry } from './socket-helpers.js';

/** The value (a counter's, or a histogram's count) of the series of `name` with these labels; 0 when there is none. */
function seriesValue(snapshot: MetricsSnapshot, name: string, labels: Record<string, string>): number {
  const metric = snapshot.metrics.find((candidate) => candidate.name === name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  for (const series of metric.series) {
    if (Object.entries(labels).every(([key, value]) => series.labels[key] === value)) return 'count' in series ? series.count : series.value;
  }
  return 0;
}

const BLOB_ROUTE = '/v1/blobs/:algorithm/:hex';
const PUT_ROUTE = '/v1/plugins/:name/:version';

describe('registry metrics', () => {
  it('counts requests by route pattern and status, publishes and refusals by reason, bytes and downloads', async () => {
    const served = await servedRegistry({ limits: { maxFileBytes: 1024 } });
    const { url, adminToken, tokens, registry } = served;
    const put = (name: string, version: string, bytes: Uint8Array, token?: string) =>
      fetch(publishRequest(name, version, bytes, { origin: url, ...(token === undefined ? {} : { token }) }));

    const { bytes, bundle } = await pluginPackage('@acme/hello', '1.0.0');
    expect((await put('@acme/hello', '1.0.0', bytes, adminToken)).status).toBe(201);
    expect((await put('@acme/hello', '1.0.0', bytes, adminToken)).status).toBe(409);
    expect((await put('@acme/hello', '1.0.1', bytes)).status).toBe(401);
    const other = await tokens.create({ admin: false, publish: ['@other/*'] });
    expect((await put('@acme/hello', '1.0.1', bytes, other.token)).status).toBe(403);
    const large = await pluginPackage('@acme/hello', '2.0.0', { bundleBytes: 4096 });
    expect((await put('@acme/hello', '2.0.0', large.bytes, adminToken)).status).toBe(413);

    const document = (await (await fetch(`${url}/v1/plugins/@acme%2Fhello`)).json()) as { versions: Record<string, { dist: { url: string } }> };
    const blobUrl = `${url}${document.versions['1.0.0']!.dist.url}`;
    for (let i = 0; i < 3; i++) expect(new Uint8Array(await (await fetch(blobUrl)).arrayBuffer())).toEqual(bundle);
    const head = await fetch(blobUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const etag = head.headers.get('etag')!;
    expect((await fetch(blobUrl, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${url}/v1/blobs/sha256/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${url}/no/such/route`)).status).toBe(404);

    const snapshot = registry.metrics();
    const requests = (labels: Record<string, string>) => seriesValue(snapshot, 'plughub_registry_requests_total', labels);
    expect(requests({ route: BLOB_ROUTE, method: 'GET', status: '200' })).toBe(3);
    expect(requests({ route: BLOB_ROUTE, method: 'HEAD', status: '200' })).toBe(1);
    expect(requests({ route: BLOB_ROUTE, method: 'GET', status: '304' })).toBe(1);
    expect(requests({ route: BLOB_ROUTE, method: 'GET', status: '404' })).toBe(1);
    expect(requests({ route: '/v1/plugins/:name', method: 'GET', status: '200' })).toBe(1);
    expect(requests({ route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    for (const status of ['201', '409', '401', '403', '413']) expect(requests({ route: PUT_ROUTE, method: 'PUT', status }), status).toBe(1);
    expect(seriesValue(snapshot, 'plughub_registry_request_duration_seconds', { route: BLOB_ROUTE })).toBe(6);

    const publishes = (outcome: string, reason: string) => seriesValue(snapshot, 'plughub_registry_publishes_total', { outcome, reason });
    expect(publishes('published', 'none')).toBe(1);
    for (const reason of ['conflict', 'unauthorized', 'forbidden', 'too-large']) expect(publishes('refused', reason), reason).toBe(1);

    expect(seriesValue(snapshot, 'plughub_registry_bytes_served_total', { route: BLOB_ROUTE })).toBeGreaterThanOrEqual(3 * bundle.byteLength);
    expect(seriesValue(snapshot, 'plughub_registry_bytes_served_total', { route: BLOB_ROUTE })).toBeLessThan(3 * bundle.byteLength + 1024);
    expect(seriesValue(snapshot, 'plughub_registry_downloads_total', { plugin: '@acme/hello', version: '1.0.0' })).toBe(3);

    // No label carries a path, a digest or a token.
    const labels = snapshot.metrics.flatMap((metric) => metric.series.flatMap((series) => Object.values(series.labels)));
    expect(labels.filter((value) => /no\/such|[0-9a-f]{64}|plh_|%2F/.test(value))).toEqual([]);

    const exposition = createPrometheusExposition([() => registry.metrics()], { processMetrics: true });
    const text = await exposition.text();
    expect(text).toContain('plughub_registry_downloads_total{plugin="@acme/hello",version="1.0.0"} 3');
    expect(text).toContain('plughub_registry_publishes_total{outcome="refused",reason="conflict"} 1');
    const check = await promtoolProblems(text);
    expect(check.problems).toEqual([]);
    expect([0, 3]).toContain(check.code);
  });

  it('serves a plugin’s download counts at /v1/plugins/:name/stats, and 404 for a plugin never published', async () => {
    const served = await servedRegistry({ driver: 'memory' });
    const { url, adminToken } = served;
    for (const version of ['1.0.0', '1.1.0']) {
      const { bytes } = await pluginPackage('@acme/hello', version);
      expect((await fetch(publishRequest('@acme/hello', version, bytes, { origin: url, token: adminToken }))).status).toBe(201);
    }
    const empty = await fetch(`${url}/v1/plugins/@acme%2Fhello/stats`);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('access-control-allow-origin')).toBe('*');
    expect(await empty.json()).toEqual({ name: '@acme/hello', downloads: { total: 0, versions: {}, last30Days: 0, days: {} } });

    const before = await fetch(`${url}/v1/plugins/@acme%2Fhello`);
    const document = (await before.json()) as { versions: Record<string, { dist: { url: string } }> };
    for (const [version, times] of [
      ['1.0.0', 2],
      ['1.1.0', 1],
    ] as const) {
      for (let i = 0; i < times; i++) expect((await fetch(`${url}${document.versions[version]!.dist.url}`)).status).toBe(200);
    }
    const today = new Date().toISOString().slice(0, 10);
    const stats = await fetch(`${url}/v1/plugins/%40acme%2Fhello/stats`);
    expect(await stats.json()).toEqual({
      name: '@acme/hello',
      downloads: { total: 3, versions: { '1.0.0': 2, '1.1.0': 1 }, last30Days: 3, days: { [today]: 3 } },
    });
    // The document does not carry the counts: its ETag stays as it was.
    expect((await fetch(`${url}/v1/plugins/@acme%2Fhello`)).headers.get('etag')).toBe(before.headers.get('etag'));

    const unknown = await fetch(`${url}/v1/plugins/nobody/stats`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND');
    const bad = await fetch(`${url}/v1/plugins/Bad%20Name/stats`);
    expect(bad.status).toBe(400);

    // A plugin named stats is a plugin like any other.
    const { bytes } = await pluginPackage('stats', '1.0.0');
    expect((await fetch(publishRequest('stats', '1.0.0', bytes, { origin: url, token: adminToken }))).status).toBe(201);
    expect((await fetch(`${url}/v1/plugins/stats`)).status).toBe(200);
    expect(((await (await fetch(`${url}/v1/plugins/stats/stats?x=1`)).json()) as { name: string }).name).toBe('stats');
    expect((await fetch(`${url}/v1/plugins/stats/stats`, { method: 'OPTIONS' })).status).toBe(204);
  });
});
