/**
 * What unload (and retirement after an upgrade) releases: every context's
 * signal, and the timers, listeners and subscriptions a plugin registered
 * through `ctx.host` and never undid.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tracked } from '../../../src/core/host/api-scope.js';
import type { HostEvents } from '../../../src/core/host/types.js';
import { publish, setup } from './fixture.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A host API with a timer service that counts the intervals it has running. */
function timerApi() {
  const active = new Set<ReturnType<typeof setInterval>>();
  return {
    active,
    api: {
      every(ms: number, fn: () => void) {
        const id = setInterval(fn, ms);
        active.add(id);
        return () => {
          clearInterval(id);
          active.delete(id);
        };
      },
    },
  };
}

/** Counts ticks per plugin version in globalThis.__ticks. */
const ticks = () => ((globalThis as { __ticks?: Record<string, number> }).__ticks ??= {});

describe('host: unload releases what a plugin registered through ctx.host', () => {
  it('clears an interval a plugin started through the host API and never cancelled', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { registry, host: makeHost } = setup();
    const { api, active } = timerApi();
    await publish(
      registry,
      'leaky',
      '1.0.0',
      `const t = (globalThis.__ticks ??= {});
      export default {
        activate(ctx) { ctx.host.every(10, () => { t.leaky = (t.leaky ?? 0) + 1; }); },
        execute(ctx) { ctx.host.every(5, () => { t.leaky = (t.leaky ?? 0) + 1; }); return 'started'; },
      };`,
    );
    const host = makeHost({ api });
    await host.load('leaky');
    expect(await host.execute('leaky')).toBe('started');
    expect(active.size).toBe(2);
    vi.advanceTimersByTime(20);
    expect(ticks().leaky).toBe(6);
    await host.unload('leaky');
    expect(active.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(ticks().leaky).toBe(6);
  });

  it('releases listeners and marked resources, and aborts the contexts still open', async () => {
    const { registry, host: makeHost } = setup();
    const listeners = new Set<() => void>();
    let channels = 0;
    const api = {
      on: (listener: () => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      openChannel: () => {
        channels += 1;
        return tracked({ close: () => (channels -= 1) });
      },
    };
    await publish(
      registry,
      'listener',
      '1.0.0',
      `export default {
        activate(ctx) { ctx.host.on(() => {}); ctx.host.openChannel(); globalThis.__listenerSignal = ctx.signal; },
        execute() {},
      };`,
    );
    const host = makeHost({ api });
    await host.load('listener');
    const signal = (globalThis as { __listenerSignal?: AbortSignal }).__listenerSignal!;
    expect([listeners.size, channels, signal.aborted]).toEqual([1, 1, false]);
    await host.unload('listener');
    expect([listeners.size, channels, signal.aborted]).toEqual([0, 0, true]);
    expect((signal.reason as Error).message).toBe('listener@1.0.0 was unloaded');
  });

  it('releases what a replaced version registered once it retires, and keeps what the new one registered', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { registry, host: makeHost } = setup();
    const { api, active } = timerApi();
    const body = `export default { activate(ctx) { ctx.host.every(10, () => {}); }, execute(ctx) { return ctx.plugin.version; } };`;
    await publish(registry, 'ticker', '1.0.0', body);
    const host = makeHost({ api });
    await host.load('ticker@^1');
    await publish(registry, 'ticker', '1.1.0', body);
    const retired = new Promise<HostEvents['retired']>((resolve) => host.on('retired', resolve));
    await host.upgrade('ticker');
    expect(await retired).toMatchObject({ name: 'ticker', version: '1.0.0' });
    expect(active.size).toBe(1);
    await host.close();
    expect(active.size).toBe(0);
  });

  it('logs a failing undo and still unloads', async () => {
    const { registry, host: makeHost } = setup();
    const warnings: unknown[][] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (...args: unknown[]) => void warnings.push(args) };
    const api = {
      on: (_listener: () => void) => () => {
        throw new Error('cannot undo');
      },
    };
    await publish(registry, 'stubborn', '1.0.0', `export default { activate(ctx) { ctx.host.on(() => {}); }, execute() {} };`);
    const host = makeHost({ api, log });
    await host.load('stubborn');
    const unloaded = new Promise<HostEvents['unloaded']>((resolve) => host.on('unloaded', resolve));
    await host.unload('stubborn');
    expect(await unloaded).toMatchObject({ name: 'stubborn', version: '1.0.0' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![0]).toBe('stubborn@1.0.0: undoing what it registered through ctx.host failed:');
    expect((warnings[0]![1] as Error).message).toBe('cannot undo');
    expect(host.get('stubborn')).toBeUndefined();
  });
});
