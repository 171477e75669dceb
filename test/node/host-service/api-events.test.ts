/**
 * The management API's event stream, read by a real client (fetch and a
 * stream reader) over a socket: the events of an upgrade as it happens
 * (loading, then upgraded, each with an id), heartbeats, the replay of
 * missed events after Last-Event-ID, the bound on streams, and the streams
 * ended (and forgotten) when a client goes away or the service stops.
 */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../src/core/host/index.js';
import type { NodeHostEvents } from '../../../src/node/host.js';
import { EventHub } from '../../../src/node/host-service/api/events.js';
import { startRegistry } from '../registry-fixture.js';
import { apiCaller, startService, tokenDir } from './api-fixture.js';
import { routeModule } from './fixtures.js';

interface SseRecord {
  id?: string;
  event?: string;
  data?: any;
  comment?: string;
}

/** Reads Server-Sent Events records from a response, one at a time. */
function sseReader(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const records: SseRecord[] = [];
  return {
    /** The next record, or undefined when the stream ended. */
    async next(): Promise<SseRecord | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const record: SseRecord = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) record.comment = line.slice(1).trim();
            else if (line.startsWith('id: ')) record.id = line.slice(4);
            else if (line.startsWith('event: ')) record.event = line.slice(7);
            else if (line.startsWith('data: ')) record.data = JSON.parse(line.slice(6));
          }
          records.push(record);
          return record;
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += value;
      }
    },
    /** Records up to and including the first of `event`. */
    async until(event: string): Promise<SseRecord[]> {
      const seen: SseRecord[] = [];
      for (;;) {
        const record = await this.next();
        if (record === undefined) throw new Error(`the stream ended before a ${event} event; it sent ${JSON.stringify(seen)}`);
        seen.push(record);
        if (record.event === event) return seen;
      }
    },
    cancel: () => reader.cancel(),
  };
}

const helloRoutes = { http_services: { routes: [{ route: '/api/plugin/hello', method: 'GET', label: 'hello.get' }] } };

async function upgradeSetup(apiEvents = {}) {
  const registry = await startRegistry();
  await registry.publish('hello', '1.0.0', routeModule('hello', 'h1'), helloRoutes);
  const tokens = await tokenDir();
  const service = await startService(
    { registry: registry.url, load: ['hello@^1'], api: { tokens: tokens.dir, readAccess: 'open', allowLoadFrom: [] } },
    { apiEvents },
  );
  return { registry, tokens, service, call: apiCaller(service.url) };
}

describe('the management API: events', () => {
  it('streams loading then upgraded, with ids, to a client reading while a plugin is upgraded', async () => {
    const { registry, tokens, service, call } = await upgradeSetup({ heartbeatMs: 20 });
    const response = await fetch(`${service.url}/api/v1/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const stream = sseReader(response);
    expect((await stream.next())?.comment).toBe('plughub host events');
    await registry.publish('hello', '1.1.0', routeModule('hello', 'h2'), helloRoutes);
    const upgrade = call('POST', '/plugins/hello/upgrade', undefined, tokens.admin);
    const seen = await stream.until('upgraded');
    expect((await upgrade).status).toBe(200);
    const events = seen.filter((record) => record.event !== undefined);
    expect(events.map((record) => record.event)).toEqual(['loading', 'deactivated', 'activated', 'upgraded']);
    expect(events[0]!.data).toMatchObject({ name: 'hello', range: '^1' });
    expect(events[3]!.data).toMatchObject({ name: 'hello', from: '1.0.0', to: '1.1.0', reason: 'upgrade', plugin: { name: 'hello', version: '1.1.0' } });
    const ids = events.map((record) => Number(record.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    // The old version finishes (it has no calls in flight): retired; and between events, heartbeats.
    const later = await stream.until('retired');
    expect(later.at(-1)!.data).toMatchObject({ name: 'hello', version: '1.0.0' });
    expect((await stream.next())?.comment).toBe('heartbeat');
    await stream.cancel();
  });

  it('streams an error with its code and message, and no stack', async () => {
    const { tokens, service, call } = await upgradeSetup();
    const stream = sseReader(await fetch(`${service.url}/api/v1/events`));
    await stream.next();
    expect((await call('POST', '/plugins', { spec: 'ghost@^1' }, tokens.admin)).status).toBe(404);
    const [error] = (await stream.until('error')).slice(-1);
    expect(error!.data).toMatchObject({ name: 'ghost', phase: 'load', error: { code: 'E_REGISTRY' } });
    expect(Object.keys(error!.data.error).sort()).toEqual(['code', 'message']);
    await stream.cancel();
  });

  it('replays the events a client missed after Last-Event-ID when a stream ends at its longest', async () => {
    const { registry, tokens, service, call } = await upgradeSetup({ maxStreamMs: 300 });
    const first = sseReader(await fetch(`${service.url}/api/v1/events`));
    await registry.publish('hello', '1.1.0', routeModule('hello', 'h2'), helloRoutes);
    expect((await call('POST', '/plugins/hello/upgrade', undefined, tokens.admin)).status).toBe(200);
    const loading = (await first.until('loading')).at(-1)!;
    // The stream ends on its own (maxStreamMs); the client comes back with the last id it saw.
    while ((await first.next()) !== undefined);
    const again = sseReader(await fetch(`${service.url}/api/v1/events`, { headers: { 'last-event-id': loading.id! } }));
    const replayed = await again.until('upgraded');
    expect(replayed.filter((record) => record.event).map((record) => record.event)).toEqual(['deactivated', 'activated', 'upgraded']);
    await again.cancel();
  });

  it('refuses a stream past the bound on clients with 503, a HEAD taking no place', async () => {
    const { service } = await upgradeSetup({ maxClients: 1 });
    const head = await fetch(`${service.url}/api/v1/events`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const first = await fetch(`${service.url}/api/v1/events`);
    expect(first.status).toBe(200);
    const second = await fetch(`${service.url}/api/v1/events`);
    expect(second.status).toBe(503);
    expect((await second.json()).error.code).toBe('E_TOO_MANY_STREAMS');
    await first.body!.cancel();
  });

  it('ends its streams when the service stops, so that the stop does not wait for them', async () => {
    const registry = await startRegistry();
    await registry.publish('hello', '1.0.0', routeModule('hello', 'h1'), helloRoutes);
    const { startHostService } = await import('../../../src/node/host-service/serve.js');
    const { testConfig, serviceLog } = await import('./api-fixture.js');
    const service = await startHostService(await testConfig({ registry: registry.url, load: ['hello@^1'], graceMs: 30_000 }), {
      log: serviceLog().log,
      accessLogStream: { write: () => true },
      env: {},
    });
    const stream = sseReader(await fetch(`${service.url}/api/v1/events`));
    await stream.next();
    const started = Date.now();
    await service.close();
    expect(await stream.next()).toBeUndefined();
    // Far below the 30 s grace a stream left open would have held the stop for.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('EventHub', () => {
  it('forgets a client whose stream is cancelled', async () => {
    const host = new Emitter<NodeHostEvents>(() => {});
    const hub = new EventHub(host, { maxClients: 1 });
    const response = hub.open(new Request('http://service.local/api/v1/events'));
    expect(hub.clients).toBe(1);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(hub.clients).toBe(0);
    hub.open(new Request('http://service.local/api/v1/events')).body!.cancel();
    hub.close();
  });

  it('ends a stream whose client falls too far behind', async () => {
    const host = new Emitter<NodeHostEvents>(() => {});
    const hub = new EventHub(host, { maxQueued: 3 });
    const response = hub.open(new Request('http://service.local/api/v1/events'));
    for (let i = 0; i < 5; i++) host.emit('loading', { name: 'hello', range: `^${i}` });
    expect(hub.clients).toBe(0);
    const text = await response.text();
    expect(text.match(/event: loading/g)?.length).toBeLessThanOrEqual(3);
    hub.close();
  });
});
