/** The per-plugin `ctx.host` wrapper: callbacks silenced, registrations undone on release, marks, `this`, frozen and class APIs. */
import { describe, expect, it } from 'vitest';
import { createApiScope, tracked, untracked } from '../../../src/core/host/api-scope.js';

/** A small event bus API, the way hosts usually write one. */
function eventBus() {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  return {
    listeners,
    on(event: string, listener: (payload: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    off(event: string, listener: (payload: unknown) => void) {
      listeners.get(event)?.delete(listener);
    },
    emit(event: string, payload: unknown) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
    count(event: string) {
      return listeners.get(event)?.size ?? 0;
    },
  };
}

describe('createApiScope', () => {
  it('undoes the registrations a plugin never undid and silences its callbacks', async () => {
    const bus = eventBus();
    const scope = createApiScope({ bus });
    const seen: unknown[] = [];
    scope.api.bus.on('tick', (payload) => seen.push(payload));
    scope.api.bus.on('tock', (payload) => seen.push(payload));
    bus.emit('tick', 1);
    expect(seen).toEqual([1]);
    expect(scope.tracked).toBe(2);
    await scope.release();
    expect([bus.count('tick'), bus.count('tock')]).toEqual([0, 0]);
    expect(scope.tracked).toBe(0);
    expect(scope.released).toBe(true);
  });

  it('forgets a registration the plugin undid itself, and calls each undo once', async () => {
    const bus = eventBus();
    let undone = 0;
    const api = {
      on: (listener: () => void) => {
        const off = bus.on('x', listener);
        return () => {
          undone += 1;
          off();
        };
      },
    };
    const scope = createApiScope(api);
    const off = scope.api.on(() => undefined);
    scope.api.on(() => undefined);
    off();
    expect(scope.tracked).toBe(1);
    await scope.release();
    expect(undone).toBe(2);
    expect(bus.count('x')).toBe(0);
  });

  it('hands the same stand-in for the same plugin function, so on/off pairs work, and a dead one does nothing', async () => {
    const bus = eventBus();
    const scope = createApiScope({ bus });
    const calls: unknown[] = [];
    const listener = (payload: unknown) => calls.push(payload);
    scope.api.bus.off('x', listener);
    scope.api.bus.on('x', listener);
    scope.api.bus.off('x', listener);
    expect(bus.count('x')).toBe(0);
    scope.api.bus.on('y', listener);
    const [standIn] = [...bus.listeners.get('y')!];
    expect(standIn).not.toBe(listener);
    await scope.release();
    standIn!('late');
    expect(calls).toEqual([]);
  });

  it('undoes subscription objects (unsubscribe, dispose, close, cancel, remove) and promises of them, newest first', async () => {
    const order: string[] = [];
    const api = {
      subscribe: (_cb: () => void) => ({ unsubscribe: () => order.push('unsubscribe') }),
      watch: async (_cb: () => void) => ({ dispose: () => order.push('dispose') }),
      open: (_cb: () => void) => ({ close: async () => void order.push('close') }),
    };
    const scope = createApiScope(api);
    scope.api.subscribe(() => undefined);
    await scope.api.watch(() => undefined);
    scope.api.open(() => undefined);
    expect(scope.tracked).toBe(3);
    await scope.release();
    expect(order).toEqual(['close', 'dispose', 'unsubscribe']);
  });

  it('treats results as data unless a callback was passed or the API marked them', async () => {
    let closed = 0;
    let called = 0;
    const api = {
      formatter: () => (value: number) => `#${value}`,
      handle: () => ({ close: () => (closed += 1) }),
      channel: () => tracked({ close: () => (closed += 1) }),
      debounce: (fn: () => void) =>
        untracked(() => {
          called += 1;
          return fn();
        }),
    };
    const scope = createApiScope(api);
    expect(scope.api.formatter()(3)).toBe('#3');
    scope.api.handle();
    scope.api.channel();
    scope.api.debounce(() => undefined);
    expect(scope.tracked).toBe(1);
    await scope.release();
    expect([closed, called]).toEqual([1, 0]);
  });

  it('undoes at once what is registered after release', async () => {
    const bus = eventBus();
    const scope = createApiScope({ bus });
    await scope.release();
    scope.api.bus.on('x', () => undefined);
    expect(bus.count('x')).toBe(0);
  });

  it('reports a throwing or rejecting undo to onError and still runs the others', async () => {
    const errors: unknown[] = [];
    let undone = 0;
    const api = {
      bad: (_cb: () => void) => () => {
        throw new Error('sync');
      },
      worse: (_cb: () => void) => () => Promise.reject(new Error('async')),
      good: (_cb: () => void) => () => void (undone += 1),
    };
    const scope = createApiScope(api, (error) => errors.push((error as Error).message));
    scope.api.good(() => undefined);
    scope.api.bad(() => undefined);
    scope.api.worse(() => undefined);
    await scope.release();
    expect(errors.sort()).toEqual(['async', 'sync']);
    expect(undone).toBe(1);
  });

  it('keeps `this`, private fields, getters and prototypes of class-based and frozen APIs', async () => {
    class Clock {
      #timers = new Set<number>();
      get active() {
        return this.#timers.size;
      }
      every(ms: number, fn: () => void) {
        const id = Number(setInterval(fn, ms));
        this.#timers.add(id);
        return () => {
          clearInterval(id);
          this.#timers.delete(id);
        };
      }
    }
    const clock = new Clock();
    const api = Object.freeze({ clock, version: '1.0.0', nested: Object.freeze({ clock }) });
    const scope = createApiScope(api);
    scope.api.clock.every(1000, () => undefined);
    scope.api.nested.clock.every(1000, () => undefined);
    expect(scope.api.clock.active).toBe(2);
    expect(scope.api.clock).toBeInstanceOf(Clock);
    expect(scope.api.version).toBe('1.0.0');
    expect(Object.keys(scope.api)).toEqual(['clock', 'version', 'nested']);
    expect(scope.api.clock).toBe(scope.api.nested.clock);
    await scope.release();
    expect(clock.active).toBe(0);
  });

  it('hands data and built-ins through unchanged, wraps services returned by calls, and is read-only', async () => {
    const list = [1, 2];
    const map = new Map([['a', 1]]);
    const bus = eventBus();
    const api = { list, map, config: { name: 'x' }, service: () => bus, data: () => ({ rows: [1] }) };
    const scope = createApiScope(api);
    expect(scope.api.list).toBe(list);
    expect(scope.api.map).toBe(map);
    expect(JSON.stringify(scope.api.config)).toBe('{"name":"x"}');
    expect(scope.api.data()).toEqual({ rows: [1] });
    scope.api.service().on('x', () => undefined);
    expect(() => {
      (scope.api as { list: unknown }).list = [];
    }).toThrow(TypeError);
    expect(api.list).toBe(list);
    await scope.release();
    expect(bus.count('x')).toBe(0);
  });

  it('passes its own wrappers back to the host unwrapped and supports constructors', () => {
    class Widget {
      constructor(readonly label: string) {}
    }
    const target = { value: 1 };
    const api = { target, same: (value: unknown) => value === target, Widget };
    const scope = createApiScope(api);
    expect(scope.api.same(scope.api.target)).toBe(true);
    const widget = new scope.api.Widget('ok');
    expect(widget.label).toBe('ok');
    expect(widget).toBeInstanceOf(Widget);
    expect(widget).toBeInstanceOf(scope.api.Widget);
  });

  it('leaves an API that is not an object alone', async () => {
    expect(createApiScope(undefined).api).toBeUndefined();
    await expect(createApiScope(42).release()).resolves.toBeUndefined();
  });
});

describe('createApiScope: what is wrapped', () => {
  it('hands platform objects and flat data through, so brand checks and structured clone work', () => {
    const controller = new AbortController();
    const blob = new Blob(['bytes']);
    const config = { url: 'http://x.test', retries: 3, signal: controller.signal };
    const api = { signal: controller.signal, config, blob: () => blob, response: () => new Response('ok') };
    const scope = createApiScope(api);
    expect(scope.api.signal).toBe(controller.signal);
    expect(AbortSignal.any([scope.api.signal]).aborted).toBe(false);
    expect(scope.api.config).toBe(config);
    expect(structuredClone({ url: scope.api.config.url })).toEqual({ url: 'http://x.test' });
    expect(scope.api.blob()).toBe(blob);
    expect(scope.api.response()).toBeInstanceOf(Response);
  });

  it('wraps an EventTarget the host made its own, and silences the listeners a plugin added to it', async () => {
    class Bus extends EventTarget {}
    const bus = new Bus();
    const scope = createApiScope({ bus });
    const seen: string[] = [];
    scope.api.bus.addEventListener('ping', (event) => seen.push(event.type));
    bus.dispatchEvent(new Event('ping'));
    await scope.release();
    bus.dispatchEvent(new Event('ping'));
    expect(seen).toEqual(['ping']);
  });

  it('does not take a chained `this` (or another part of the API) for a registration', async () => {
    let removed = 0;
    const emitter = {
      on(_event: string, _listener: () => void) {
        return emitter;
      },
      remove() {
        removed += 1;
      },
    };
    const scope = createApiScope({ emitter });
    expect(scope.api.emitter.on('a', () => undefined).on('b', () => undefined)).toBe(scope.api.emitter);
    expect(scope.tracked).toBe(0);
    await scope.release();
    expect(removed).toBe(0);
  });

  it('runs beforeCall before every call and construction through the scope, and lets what it throws through', () => {
    let open = true;
    class Counter {
      value = 0;
    }
    const api = { add: (a: number, b: number) => a + b, Counter, nested: { twice: (n: number) => n * 2 } };
    const scope = createApiScope(api, undefined, {
      beforeCall: () => {
        if (!open) throw new Error('the call ended');
      },
    });
    expect([scope.api.add(1, 2), scope.api.nested.twice(4), new scope.api.Counter().value]).toEqual([3, 8, 0]);
    open = false;
    expect(() => scope.api.add(1, 2)).toThrow('the call ended');
    expect(() => scope.api.nested.twice(4)).toThrow('the call ended');
    expect(() => new scope.api.Counter()).toThrow('the call ended');
    expect(typeof scope.api.add).toBe('function');
  });
});
