/**
 * `/metrics` on the plugin host service over a real socket (127.0.0.1,
 * port 0): Prometheus text that promtool parses, counters that moved after
 * real loads (a registry on port 0 and a directory) and calls, a worker's
 * heap, the service's own requests by status class, the answers to other
 * methods and paths, the configuration that turns it off, and scrapes that
 * stay consistent while loads and calls stream in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HostConfig } from '../../../src/node/host-service/config.js';
import { startHostService, type HostService } from '../../../src/node/host-service/serve.js';
import { tempDir, writeTree } from '../helpers.js';
import { startRegistry } from '../registry-fixture.js';
import { testConfig } from './api-fixture.js';
import { routePlugin } from './fixtures.js';
import { promtoolProblems, sampleSum, samples } from './metrics-text.js';

const services: HostService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

const quiet = { log: { info: () => {}, error: () => {} }, accessLogStream: { write: () => true }, env: {} };

async function start(config: Partial<HostConfig>): Promise<HostService> {
  const full = await testConfig(config);
  const service = await startHostService(full, quiet);
  services.push(service);
  return service;
}

/** A registry plugin whose route answers 200, or 500 for the id `bad`. */
const ITEMS = `export function execute(ctx) {
  if (ctx.get('params').id === 'bad') throw new Error('bad item');
  return { id: ctx.get('params').id };
}`;
const ITEMS_ROUTES = { http_services: { routes: [{ route: '/api/items/:id', method: 'GET', label: 'items.get' }] } };

async function scrape(service: HostService): Promise<string> {
  const response = await fetch(`${service.url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('/metrics on plughub host', () => {
  it('serves Prometheus text that promtool parses, with the counters real loads and calls moved', async () => {
    const registry = await startRegistry();
    await registry.publish('items', '1.0.0', ITEMS, ITEMS_ROUTES);
    const dir = await tempDir();
    await writeTree(dir, routePlugin('alpha', '1.0.0', 'a1', [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }]));
    const service = await start({ dir, registry: registry.url, load: ['items@^1'], isolation: 'worker' });
    for (const id of ['1', '2']) expect((await fetch(`${service.url}/api/plugin/alpha/${id}`)).status).toBe(200);
    expect((await fetch(`${service.url}/api/items/7`)).status).toBe(200);
    expect((await fetch(`${service.url}/api/items/bad`)).status).toBe(500);
    expect((await fetch(`${service.url}/nowhere`)).status).toBe(404);

    const response = await fetch(`${service.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(promtoolProblems(text)).toEqual([]);
    const all = samples(text);
    expect(sampleSum(all, 'plughub_loads_total', { plugin: 'items', outcome: 'ok' })).toBe(1);
    expect(sampleSum(all, 'plughub_loads_total', { plugin: 'alpha', outcome: 'ok' })).toBe(1);
    expect(sampleSum(all, 'plughub_load_cache_total', { plugin: 'items', kind: 'bundle', outcome: 'miss' })).toBe(1);
    expect(sampleSum(all, 'plughub_load_phase_duration_seconds_count', { plugin: 'items', phase: 'download' })).toBe(1);
    expect(sampleSum(all, 'plughub_route_requests_total', { plugin: 'alpha', version: '1.0.0', route: 'alpha.get', status: '200' })).toBe(2);
    expect(sampleSum(all, 'plughub_route_requests_total', { plugin: 'items', route: 'items.get', status: '200' })).toBe(1);
    expect(sampleSum(all, 'plughub_route_requests_total', { plugin: 'items', route: 'items.get', status: '500' })).toBe(1);
    expect(sampleSum(all, 'plughub_route_request_duration_seconds_count', { plugin: 'alpha', route: 'alpha.get' })).toBe(2);
    expect(all.filter((sample) => sample.name === 'plughub_route_requests_total').map((sample) => sample.labels.route)).not.toContain('/api/plugin/alpha/1');
    expect(sampleSum(all, 'plughub_active_versions', { plugin: 'alpha', version: '1.0.0' })).toBe(1);
    expect(sampleSum(all, 'plughub_worker_heap_used_bytes', { plugin: 'alpha', version: '1.0.0' })).toBeGreaterThan(100_000);
    expect(sampleSum(all, 'plughub_worker_heap_used_bytes', { plugin: 'items', version: '1.0.0' })).toBeGreaterThan(100_000);
    expect(sampleSum(all, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // The service counts each request once its answer has gone out: the five above, then this scrape.
    await expect.poll(async () => sampleSum(samples(await scrape(service)), 'plughub_host_http_requests_total', { status: '2xx' })).toBeGreaterThanOrEqual(4);
    const later = samples(await scrape(service));
    expect(sampleSum(later, 'plughub_host_http_requests_total', { status: '4xx' })).toBe(1);
    expect(sampleSum(later, 'plughub_host_http_requests_total', { status: '5xx' })).toBe(1);
  });

  it('answers HEAD without a body, 405 to other methods and 404 below /metrics', async () => {
    const dir = await tempDir();
    await writeTree(dir, routePlugin('alpha', '1.0.0', 'a1', [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }]));
    const service = await start({ dir });
    const head = await fetch(`${service.url}/metrics`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const post = await fetch(`${service.url}/metrics`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect(await post.json()).toEqual({ error: { code: 'E_METHOD_NOT_ALLOWED', message: '/metrics answers GET and HEAD, not POST' } });
    const below = await fetch(`${service.url}/metrics/extra`);
    expect(below.status).toBe(404);
    expect(await below.json()).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
  });

  it('serves no metrics when the configuration turns them off', async () => {
    const dir = await tempDir();
    await writeTree(dir, routePlugin('alpha', '1.0.0', 'a1', [{ route: '/api/plugin/alpha/:id', method: 'GET', label: 'alpha.get' }]));
    const service = await start({ dir, metrics: false });
    const response = await fetch(`${service.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no route matches GET /metrics' } });
  });

  it('keeps each scrape consistent while loads and calls stream in', async () => {
    const registry = await startRegistry();
    const names = Array.from({ length: 10 }, (_, index) => `stream-${index}`);
    for (const name of names) {
      await registry.publish(name, '1.0.0', `export async function execute() { await null; return ${JSON.stringify(name)}; }`, {
        http_services: { routes: [{ route: `/api/${name}`, method: 'GET', label: `${name}.get` }] },
      });
    }
    const service = await start({ registry: registry.url, load: ['stream-0@^1'] });
    let running = true;
    let scrapes = 0;
    const inconsistencies: string[] = [];
    const scraping = (async () => {
      while (running) {
        const all = samples(await scrape(service));
        const pairs: Array<[string, string]> = [
          ['plughub_loads_total', 'plughub_load_duration_seconds_count'],
          ['plughub_executions_total', 'plughub_execution_duration_seconds_count'],
          ['plughub_route_requests_total', 'plughub_route_request_duration_seconds_count'],
        ];
        for (const [counter, histogram] of pairs) {
          if (sampleSum(all, counter) !== sampleSum(all, histogram))
            inconsistencies.push(`${counter} ${sampleSum(all, counter)} != ${histogram} ${sampleSum(all, histogram)}`);
        }
        scrapes += 1;
      }
    })();
    await Promise.all(
      names.slice(1).map(async (name) => {
        await service.host.load(`${name}@^1`);
        await Promise.all(Array.from({ length: 5 }, () => service.host.execute(name)));
        await Promise.all(Array.from({ length: 5 }, async () => (await fetch(`${service.url}/api/${name}`)).arrayBuffer()));
      }),
    );
    running = false;
    await scraping;
    expect(inconsistencies).toEqual([]);
    expect(scrapes).toBeGreaterThan(2);
    const all = samples(await scrape(service));
    expect(sampleSum(all, 'plughub_loads_total', { outcome: 'ok' })).toBe(10);
    expect(sampleSum(all, 'plughub_executions_total', { outcome: 'ok' })).toBe(45);
    expect(sampleSum(all, 'plughub_route_requests_total', { status: '200' })).toBe(45);
  });
});
