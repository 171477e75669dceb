/**
 * checkUpdates and autoUpdate: a report of what moved and what failed (never
 * a throw for one plugin), conditional requests that cost no download when
 * nothing changed, and a polling loop that never overlaps, answers its
 * trigger and stops on close. Timers are Vitest's fake ones; every wait is
 * on an event.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isIntegrityError } from '../../../src/core/errors/index.js';
import type { HostEvents } from '../../../src/core/host/types.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { publish, setup } from './fixture.js';

afterEach(() => {
  vi.useRealTimers();
});

const isDocument = (request: Request) => new URL(request.url).pathname.startsWith('/v1/plugins/');

/** The next `checked` event of a host. */
function nextCheck(host: { on(event: 'checked', listener: (payload: HostEvents['checked']) => void): () => void }) {
  return new Promise<HostEvents['checked']>((resolve) => {
    const off = host.on('checked', (payload) => {
      off();
      resolve(payload);
    });
  });
}

describe('host.checkUpdates', () => {
  it('upgrades what has a newer version, reports failures without throwing, and skips local plugins', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'fresh', '1.0.0', `export function execute() { return 'fresh 1'; }`);
    await publish(registry, 'steady', '1.0.0', `export function execute() { return 'steady'; }`);
    await publish(registry, 'tampered', '1.0.0', `export function execute() { return 'tampered 1'; }`);
    const host = makeHost();
    await Promise.all([host.load('fresh@^1'), host.load('steady@^1'), host.load('tampered@^1')]);
    await host.loadBundle({
      manifest: { name: 'local', version: '1.0.0', source: { mode: 'esm', path: 'index.js' } },
      bytes: new TextEncoder().encode('export function execute() {}'),
      location: '/plugins/local',
    });
    await publish(registry, 'fresh', '1.1.0', `export function execute() { return 'fresh 2'; }`);
    const bad = await publish(registry, 'tampered', '1.0.1', `export function execute() { return 'tampered 2'; }`);
    registry.intercept((request) =>
      new URL(request.url).pathname === bad.dist.url ? new Response('export function execute() { return "evil"; }') : undefined,
    );
    const errors: HostEvents['error'][] = [];
    host.on('error', (event) => errors.push(event));
    const checked = nextCheck(host);

    const report = await host.checkUpdates();
    expect(report.upgraded).toEqual([{ name: 'fresh', from: '1.0.0', to: '1.1.0' }]);
    expect(report.failed).toMatchObject([{ name: 'tampered', version: '1.0.0' }]);
    expect(isIntegrityError(report.failed[0]!.error)).toBe(true);
    expect(errors).toMatchObject([{ name: 'tampered', version: '1.0.0', phase: 'upgrade' }]);
    expect(await checked).toMatchObject({ upgraded: report.upgraded, failed: report.failed });
    expect(await host.execute('fresh')).toBe('fresh 2');
    expect(await host.execute('tampered')).toBe('tampered 1');
    expect(host.get('local')!.version).toBe('1.0.0');
  });

  it('revalidates documents with their ETag: a 304 downloads nothing', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'quiet', '1.0.0', `export function execute() {}`);
    const answers: Array<{ path: string; status: number }> = [];
    const fetch = async (input: Request | string | URL, init?: RequestInit) => {
      const response = await registry.fetch(input, init);
      answers.push({ path: new URL(input instanceof Request ? input.url : input).pathname, status: response.status });
      return response;
    };
    const host = makeHost({ registry: createRegistryClient({ url: registry.url, fetch, retry: 0 }) });
    await host.load('quiet@^1');
    answers.length = 0;
    expect(await host.checkUpdates()).toEqual({ upgraded: [], failed: [] });
    expect(await host.checkUpdates()).toEqual({ upgraded: [], failed: [] });
    expect(answers).toEqual([
      { path: '/v1/plugins/quiet', status: 304 },
      { path: '/v1/plugins/quiet', status: 304 },
    ]);
  });
});

describe('createHost({ autoUpdate })', () => {
  it('checks every intervalMs, never two checks at once, on its trigger too, and stops on close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { registry, host: makeHost } = setup();
    await publish(registry, 'polled', '1.0.0', `export function execute() { return 1; }`);
    let fire: (() => void) | undefined;
    let triggerStopped = false;
    const host = makeHost({
      autoUpdate: {
        intervalMs: 10_000,
        trigger: (check) => {
          fire = check;
          return () => void (triggerStopped = true);
        },
      },
    });
    await host.load('polled@^1');
    await publish(registry, 'polled', '1.0.1', `export function execute() { return 2; }`);

    let first = nextCheck(host);
    await vi.advanceTimersByTimeAsync(9_999);
    const documentRequests = () => registry.requests.filter(isDocument).length;
    const beforeFirst = documentRequests();
    expect(beforeFirst).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await first).upgraded).toEqual([{ name: 'polled', from: '1.0.0', to: '1.0.1' }]);
    expect(await host.execute('polled')).toBe(2);
    // A check lets the cache writes of what came before finish first (hashing on a real thread): done here, so that the next check asks at once.
    await host.settled();

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const unhold = registry.intercept(async (request) => (isDocument(request) ? held.then(() => undefined) : undefined));
    first = nextCheck(host);
    fire!();
    fire!();
    // Two intervals pass while the check is held (less than the registry client's 30 s timeout).
    await vi.advanceTimersByTimeAsync(25_000);
    expect(documentRequests()).toBe(beforeFirst + 2);
    release();
    await first;
    unhold();
    expect(documentRequests()).toBe(beforeFirst + 2);

    const second = nextCheck(host);
    await vi.advanceTimersByTimeAsync(10_000);
    await second;
    expect(documentRequests()).toBe(beforeFirst + 3);

    await host.close();
    expect(triggerStopped).toBe(true);
    fire!();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(documentRequests()).toBe(beforeFirst + 3);
  });

  it('refuses an interval that is not a positive number', () => {
    const { host: makeHost } = setup();
    expect(() => makeHost({ autoUpdate: { intervalMs: 0 } })).toThrow('autoUpdate.intervalMs must be a finite number of ms > 0, got 0');
  });
});
