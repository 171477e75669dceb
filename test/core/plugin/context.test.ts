/**
 * PluginContext: values and their inheritance, cancellation by cancel(), by
 * deadline and by the parent, the abort reasons, and that children release
 * their parent listener and timer once they abort.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contextAbortState, createContext, prefixedLogger, silentLogger, type Logger } from '../../../src/core/plugin/context.js';
import { UnloadedError, isCancelledError, isDeadlineExceededError, isUnloadedError, isUsageError } from '../../../src/core/errors/index.js';

const plugin = { name: 'hello', version: '1.2.0' };

function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

afterEach(() => {
  vi.useRealTimers();
});

/** Counts the AbortControllers made until `restore` is called. */
function countAbortControllers(): { readonly count: number; restore(): void } {
  const original = globalThis.AbortController;
  const counter = { count: 0 };
  globalThis.AbortController = class extends original {
    constructor() {
      super();
      counter.count += 1;
    }
  };
  return {
    get count() {
      return counter.count;
    },
    restore: () => {
      globalThis.AbortController = original;
    },
  };
}

describe('values', () => {
  it('reads initial values from a record or a Map', () => {
    const a = createContext({ values: { user: 'ada', n: 1 } });
    const b = createContext({ values: new Map<string, unknown>([['user', 'bob']]) });
    expect(a.get('user')).toBe('ada');
    expect(a.get<number>('n')).toBe(1);
    expect(a.has('n')).toBe(true);
    expect(a.has('missing')).toBe(false);
    expect(a.get('missing')).toBeUndefined();
    expect(b.get('user')).toBe('bob');
  });

  it('refuses keys that are not strings', () => {
    const ctx = createContext();
    expect(isUsageError(catchError(() => ctx.get(1 as unknown as string)))).toBe(true);
    expect(isUsageError(catchError(() => ctx.set(Symbol('k') as unknown as string, 1)))).toBe(true);
    expect(isUsageError(catchError(() => ctx.has({} as unknown as string)))).toBe(true);
    const bad = new Map<unknown, unknown>([[42, 'x']]) as Map<string, unknown>;
    expect(isUsageError(catchError(() => createContext({ values: bad })))).toBe(true);
  });

  it('children inherit values and shadow them without touching the parent', () => {
    const parent = createContext({ values: { user: 'ada', role: 'admin' } });
    const child = parent.withValues({ user: 'bob', trace: 't1' });
    expect(child.get('user')).toBe('bob');
    expect(child.get('role')).toBe('admin');
    expect(child.get('trace')).toBe('t1');
    expect(parent.get('user')).toBe('ada');
    expect(parent.has('trace')).toBe(false);

    child.set('role', 'guest');
    expect(child.get('role')).toBe('guest');
    expect(parent.get('role')).toBe('admin');

    parent.set('late', true);
    expect(child.get('late')).toBe(true);
    const grandchild = child.withTimeout(60_000);
    expect(grandchild.get('user')).toBe('bob');
    grandchild.cancel();
  });

  it('an own value of undefined shadows the parent', () => {
    const child = createContext({ values: { user: 'ada' } }).withValues({ user: undefined });
    expect(child.has('user')).toBe(true);
    expect(child.get('user')).toBeUndefined();
  });

  it('children keep label, plugin, host and log', () => {
    const host = { version: '1.0.0' };
    const log: Logger = prefixedLogger('x', silentLogger);
    const root = createContext({ label: 'greet', plugin, host, log });
    const child = root.withValues({}).withTimeout(60_000);
    expect(child.label).toBe('greet');
    expect(child.plugin).toBe(plugin);
    expect(child.host).toBe(host);
    expect(child.log).toBe(log);
    child.cancel();
  });
});

describe('cancellation', () => {
  it('cancel() aborts with a CancelledError naming the plugin', () => {
    const ctx = createContext({ plugin, label: 'greet' });
    expect(ctx.signal.aborted).toBe(false);
    ctx.throwIfAborted();
    ctx.cancel();
    expect(ctx.signal.aborted).toBe(true);
    const reason = ctx.signal.reason as unknown;
    expect(isCancelledError(reason)).toBe(true);
    expect((reason as Error).message).toBe('hello@1.2.0 (greet): context cancelled');
    expect(catchError(() => ctx.throwIfAborted())).toBe(reason);
  });

  it('cancel(reason) aborts with that reason, and the first reason stays', () => {
    const ctx = createContext();
    const reason = new UnloadedError('hello@1.2.0: unloaded');
    ctx.cancel(reason);
    ctx.cancel();
    expect(ctx.signal.reason).toBe(reason);
  });

  it('a parent abort reaches children and grandchildren with the same reason', () => {
    const parent = createContext({ plugin });
    const child = parent.withValues({ a: 1 });
    const grandchild = child.withTimeout(60_000);
    const unloaded = new UnloadedError('hello@1.2.0: unloaded', { plugin: 'hello', version: '1.2.0' });
    parent.cancel(unloaded);
    expect(child.signal.reason).toBe(unloaded);
    expect(grandchild.signal.reason).toBe(unloaded);
    expect(isUnloadedError(grandchild.signal.reason)).toBe(true);
  });

  it('cancelling a child leaves the parent running', () => {
    const parent = createContext();
    const child = parent.withValues({});
    child.cancel();
    expect(child.signal.aborted).toBe(true);
    expect(parent.signal.aborted).toBe(false);
  });

  it('a child of an aborted parent starts aborted', () => {
    const parent = createContext();
    parent.cancel();
    const child = parent.withValues({});
    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toBe(parent.signal.reason);
  });

  it('follows an outside signal, also one that already aborted', () => {
    const controller = new AbortController();
    const ctx = createContext({ signal: controller.signal });
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(ctx.signal.reason).toBe(reason);

    const late = createContext({ signal: controller.signal });
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(reason);
  });

  it('removes its listener from the parent signal once it aborts', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const ctx = createContext({ signal: controller.signal });
    expect(add).toHaveBeenCalledTimes(1);
    ctx.cancel();
    expect(remove).toHaveBeenCalledTimes(1);
    expect(remove.mock.calls[0]?.[1]).toBe(add.mock.calls[0]?.[1]);
  });
});

describe('the signal, made when read', () => {
  it('a signal first read after the abort is aborted with the reason, and stays the same signal', () => {
    const ctx = createContext({ plugin });
    const reason = new UnloadedError('hello@1.2.0: unloaded');
    ctx.cancel(reason);
    expect(catchError(() => ctx.throwIfAborted())).toBe(reason);
    const signal = ctx.signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(ctx.signal).toBe(signal);
  });

  it('a context nobody reads the signal of makes no AbortController, and still aborts', () => {
    const made = countAbortControllers();
    try {
      const ctx = createContext({ plugin, values: { a: 1 } });
      const state = contextAbortState(ctx);
      const heard: unknown[] = [];
      state?.listen((reason) => heard.push(reason));
      ctx.cancel();
      expect(made.count).toBe(0);
      expect(heard).toHaveLength(1);
      expect(isCancelledError(heard[0])).toBe(true);
      expect(state?.reason).toBe(heard[0]);
      ctx.signal;
      expect(made.count).toBe(1);
    } finally {
      made.restore();
    }
  });

  it('abort listeners of the state are told once, after the signal, and can be removed', () => {
    const ctx = createContext();
    const state = contextAbortState(ctx)!;
    const order: string[] = [];
    ctx.signal.addEventListener('abort', () => order.push('signal'));
    const removed = () => order.push('removed');
    state.listen(() => order.push('first'));
    state.listen(removed);
    state.listen(() => order.push('third'));
    state.unlisten(removed);
    ctx.cancel();
    ctx.cancel();
    state.listen(() => order.push('late'));
    expect(order).toEqual(['signal', 'first', 'third', 'late']);
  });
});

describe('following a signal lazily (the abort state of a call)', () => {
  it('listens to the followed signal only once someone listens, and takes its reason when it aborted first', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const quiet = createContext();
    contextAbortState(quiet)!.follow(controller.signal);
    const heard = createContext();
    const state = contextAbortState(heard)!;
    state.follow(controller.signal);
    expect(add).not.toHaveBeenCalled();
    const reasons: unknown[] = [];
    state.listen((reason) => reasons.push(reason));
    expect(add).toHaveBeenCalledTimes(1);
    const gone = new Error('the client went away');
    controller.abort(gone);
    expect(reasons).toEqual([gone]);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(heard.signal.reason).toBe(gone);
    // Never listened to, the other context still reports the abort, with the followed reason, however it is asked.
    quiet.cancel();
    expect(catchError(() => quiet.throwIfAborted())).toBe(gone);
    expect(quiet.signal.reason).toBe(gone);
  });
});

describe('deadlines', () => {
  it('aborts with DeadlineExceededError at the deadline, naming plugin, label and ms', () => {
    vi.useFakeTimers();
    const ctx = createContext({ plugin, label: 'greet', timeoutMs: 50 });
    expect(ctx.deadline).toBe(Date.now() + 50);
    vi.advanceTimersByTime(49);
    expect(ctx.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(ctx.signal.aborted).toBe(true);
    const reason = ctx.signal.reason as unknown;
    expect(isDeadlineExceededError(reason)).toBe(true);
    if (!isDeadlineExceededError(reason)) return;
    expect(reason.message).toBe('hello@1.2.0 (greet): deadline exceeded after 50 ms');
    expect(reason.deadline).toBe(ctx.deadline);
    expect(reason.plugin).toBe('hello');
    expect(reason.version).toBe('1.2.0');
  });

  it('aborts on a real timer too (awaiting the abort event)', async () => {
    const ctx = createContext({ timeoutMs: 1 });
    const reason = await aborted(ctx.signal);
    expect(isDeadlineExceededError(reason)).toBe(true);
  });

  it('an absolute deadline and a timeout: the earlier wins', () => {
    vi.useFakeTimers();
    const now = Date.now();
    expect(createContext({ deadline: now + 10, timeoutMs: 100 }).deadline).toBe(now + 10);
    expect(createContext({ deadline: now + 100, timeoutMs: 10 }).deadline).toBe(now + 10);
    const past = createContext({ deadline: now - 1 });
    expect(isDeadlineExceededError(past.signal.reason)).toBe(true);
  });

  it("a child's deadline is the earlier of its parent's and its own", () => {
    vi.useFakeTimers();
    const parent = createContext({ timeoutMs: 100 });
    const longer = parent.withTimeout(1000);
    const shorter = parent.withTimeout(10);
    const values = parent.withValues({});
    expect(longer.deadline).toBe(parent.deadline);
    expect(values.deadline).toBe(parent.deadline);
    expect(shorter.deadline).toBe(Date.now() + 10);

    vi.advanceTimersByTime(10);
    expect(isDeadlineExceededError(shorter.signal.reason)).toBe(true);
    expect(parent.signal.aborted).toBe(false);
    expect(longer.signal.aborted).toBe(false);

    vi.advanceTimersByTime(90);
    expect(isDeadlineExceededError(parent.signal.reason)).toBe(true);
    // The longer child aborts because its parent did, with the parent's reason.
    expect(longer.signal.reason).toBe(parent.signal.reason);
    expect(values.signal.reason).toBe(parent.signal.reason);
  });

  it('a child that reaches its deadline removes its listener from the parent', () => {
    vi.useFakeTimers();
    const parent = createContext();
    const add = vi.spyOn(parent.signal, 'addEventListener');
    const remove = vi.spyOn(parent.signal, 'removeEventListener');
    const child = parent.withTimeout(10);
    vi.advanceTimersByTime(10);
    expect(isDeadlineExceededError(child.signal.reason)).toBe(true);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(remove.mock.calls[0]?.[1]).toBe(add.mock.calls[0]?.[1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer behind once cancelled', () => {
    vi.useFakeTimers();
    const parent = createContext({ timeoutMs: 1000 });
    const child = parent.withTimeout(100);
    expect(vi.getTimerCount()).toBe(2);
    child.cancel();
    expect(vi.getTimerCount()).toBe(1);
    parent.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('handles deadlines beyond the longest setTimeout delay', () => {
    vi.useFakeTimers();
    const ctx = createContext({ timeoutMs: 2 ** 31 + 1000 });
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(ctx.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1001);
    expect(isDeadlineExceededError(ctx.signal.reason)).toBe(true);
  });

  it('refuses timeouts that are not finite non-negative numbers', () => {
    const ctx = createContext();
    expect(isUsageError(catchError(() => ctx.withTimeout(-1)))).toBe(true);
    expect(isUsageError(catchError(() => ctx.withTimeout(Number.NaN)))).toBe(true);
    expect(isUsageError(catchError(() => createContext({ timeoutMs: Infinity })))).toBe(true);
  });
});

describe('loggers', () => {
  it('prefixedLogger tags every message; silentLogger drops them', () => {
    const sink = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const log = prefixedLogger('hello@1.2.0', sink);
    log.info('ready', 1);
    log.error('boom');
    expect(sink.info).toHaveBeenCalledWith('[hello@1.2.0]', 'ready', 1);
    expect(sink.error).toHaveBeenCalledWith('[hello@1.2.0]', 'boom');
    silentLogger.warn('nothing');
    expect(createContext().log).toBe(silentLogger);
  });
});
