/**
 * `ctx.host` per plugin version: a wrapper around the host's API object that
 * remembers what the plugin registered through it and undoes it when that
 * version closes (unload, or retirement after an upgrade or reload), so a
 * plugin cannot leak listeners, timers or subscriptions through the host API.
 *
 * The convention, applied to every function reached through `ctx.host`
 * (nested objects too; methods run with the real object as `this`):
 *
 * 1. Callbacks. A function the plugin passes as an argument reaches the host
 *    as a stand-in that forwards to it until the version closes, then drops
 *    it and does nothing. The same plugin function always gets the same
 *    stand-in, so `on(cb)` / `off(cb)` pairs keep working.
 * 2. Registrations. When a call that received a callback returns a function,
 *    or an object with a `Symbol.dispose`, `Symbol.asyncDispose`, `dispose`,
 *    `unsubscribe`, `close`, `cancel` or `remove` method (or a promise of
 *    either), that is how the registration is undone: it is called when the
 *    version closes, newest first. A returned function is handed to the
 *    plugin wrapped so that calling it early also forgets it; an object's
 *    method may be called twice (once by the plugin, once at close), so it
 *    must be idempotent, as those conventions expect.
 * 3. Marks, for API authors: `tracked(value)` makes a returned value a
 *    disposer even when no callback was passed (`openChannel()` returning
 *    `{ close }`); `untracked(value)` keeps a returned value from being one
 *    (`debounce(fn)` returning a function that is not an undo).
 *
 * What is wrapped: functions, objects of the host's own classes and plain
 * objects reached through `ctx.host` (namespaces such as `ctx.host.db`), and
 * call results that are APIs themselves (functions, objects of the host's
 * classes, plain objects with methods). What is not: platform objects
 * (arrays, Maps, Dates, promises, errors, AbortSignals, Responses, Blobs,
 * streams, … — instances of a global class other than Object and
 * EventTarget), flat data objects, and call results that are plain data, so
 * brand checks, structured clone and identity keep working on them. A method
 * returning its own object or another part of the API (chaining) registers
 * nothing. `ctx.host` is read-only to plugins: assignments, deletions and
 * property definitions are refused.
 */
import { isObject, markOf, undoOf, wraps, type AnyFunction } from './api-values.js';

export { tracked, untracked } from './api-values.js';

/** One plugin version's view of the host API, and the release of what it registered. */
export interface ApiScope<Api> {
  /** The wrapped API, handed to the plugin as `ctx.host`. */
  readonly api: Api;
  /** How many registrations are waiting to be undone. */
  readonly tracked: number;
  /** True once release has been called. */
  readonly released: boolean;
  /**
   * Silences the plugin's callbacks, then undoes its registrations (newest
   * first) and waits for the asynchronous ones. A registration made after
   * release is undone at once. Never rejects: failures go to `onError`.
   */
  release(): Promise<void>;
}

/** Options of createApiScope. */
export interface ApiScopeOptions {
  /** Runs before every call through the scope (apply and construct); what it throws, the call throws (ctx.plugins refuses a call that ended). */
  beforeCall?: () => void;
}

/**
 * Wraps `api` for one plugin version. `onError` receives what a disposer
 * threw or rejected with.
 *
 * @example
 * const scope = createApiScope(api, (error) => log.warn('a disposer failed', error));
 * // ctx.host = scope.api; ... when the version closes:
 * await scope.release();
 */
export function createApiScope<Api>(api: Api, onError: (error: unknown) => void = () => {}, options: ApiScopeOptions = {}): ApiScope<Api> {
  const beforeCall = options.beforeCall ?? (() => {});
  /** Real object → its wrapper, and back. */
  const wrappers = new WeakMap<object, object>();
  const reals = new WeakMap<object, object>();
  /** Plugin function → its stand-in, and the cells that let release silence them all. */
  const standIns = new WeakMap<AnyFunction, AnyFunction>();
  const cells = new Set<{ fn: AnyFunction | undefined }>();
  const disposers = new Set<() => unknown>();
  let releasing: Promise<void> | undefined;

  function runDisposer(undo: () => unknown): Promise<void> | undefined {
    try {
      const result = undo();
      if (result instanceof Promise) return result.then(() => undefined, onError);
    } catch (error) {
      onError(error);
    }
    return undefined;
  }

  function standIn(fn: AnyFunction): AnyFunction {
    let stand = standIns.get(fn);
    if (!stand) {
      const cell: { fn: AnyFunction | undefined } = { fn };
      cells.add(cell);
      stand = function (this: unknown, ...args: unknown[]) {
        return cell.fn ? Reflect.apply(cell.fn, this, args) : undefined;
      };
      standIns.set(fn, stand);
    }
    return stand;
  }

  /** Records the undo of a registration; returns what the plugin gets back (services wrapped too). */
  function adopt(result: unknown, gaveCallback: boolean, self: unknown): unknown {
    if (result instanceof Promise) return result.then((value: unknown) => adopt(value, gaveCallback, self));
    if (!isObject(result)) return result;
    const mark = markOf(result);
    // A method returning its own object or another part of the API (chaining) registers nothing.
    const isApi = result === self || wrappers.has(result);
    const undo = mark === 'tracked' || (gaveCallback && mark !== 'untracked' && !isApi) ? undoOf(result) : undefined;
    if (!undo) return expose(result, true);
    if (releasing) {
      void runDisposer(undo);
      return result;
    }
    if (typeof result !== 'function') {
      disposers.add(undo);
      return result;
    }
    let pending = true;
    const forget = () => {
      pending = false;
      disposers.delete(once);
    };
    const once = () => {
      if (!pending) return undefined;
      forget();
      return undo();
    };
    disposers.add(once);
    return function (this: unknown, ...args: unknown[]) {
      if (pending) forget();
      return Reflect.apply(result as AnyFunction, this, args);
    };
  }

  /** The arguments the host sees: our wrappers unwrapped, plugin functions replaced by stand-ins. */
  function hostArguments(args: unknown[]): { args: unknown[]; gaveCallback: boolean } {
    let gaveCallback = false;
    const mapped = args.map((arg) => {
      if (!isObject(arg)) return arg;
      const real = reals.get(arg);
      if (real) return real;
      if (typeof arg !== 'function') return arg;
      gaveCallback = true;
      return standIn(arg as AnyFunction);
    });
    return { args: mapped, gaveCallback };
  }

  /** What the plugin gets for a value of the API: its wrapper, or the value itself (see `wraps`). */
  function expose(value: unknown, asResult: boolean): unknown {
    if (!isObject(value)) return value;
    return wrappers.get(value) ?? (wraps(value, asResult) ? wrap(value) : value);
  }

  /** The wrapper of an object or function (one per object, so identity holds: `ctx.host.a === ctx.host.a`). */
  function wrap(value: object): object {
    const existing = wrappers.get(value);
    if (existing) return existing;
    const real = value;
    const isFunction = typeof real === 'function';
    // A stand-in target, so that a frozen API's non-configurable properties can still be wrapped.
    // A class or plain function needs a constructible stand-in (`new` on the wrapper), an arrow or method a non-constructible one.
    // biome-ignore lint/complexity/useArrowFunction: an arrow function cannot be a `new` target
    const constructible = function () {};
    const target: object = isFunction ? (Object.hasOwn(real, 'prototype') ? constructible : () => {}) : {};
    const wrapper: object = new Proxy(target, {
      get: (_target, key) => expose(Reflect.get(real, key, real), false),
      has: (_target, key) => Reflect.has(real, key),
      ownKeys: () => Reflect.ownKeys(real),
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(real, key);
        if (!descriptor) return undefined;
        // Only a function's `prototype` is pinned (non-configurable) on the stand-in target; report it as the target has it.
        const pinned = Reflect.getOwnPropertyDescriptor(target, key);
        const shape = pinned && !pinned.configurable ? { configurable: false, writable: pinned.writable } : { configurable: true };
        if (!('value' in descriptor)) return { ...descriptor, ...shape };
        return { ...descriptor, ...shape, value: expose(descriptor.value, false) };
      },
      getPrototypeOf: (_target) => Reflect.getPrototypeOf(real),
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
      setPrototypeOf: () => false,
      preventExtensions: () => false,
      apply: (_target, thisArg, args: unknown[]) => {
        beforeCall();
        const self = isObject(thisArg) ? (reals.get(thisArg) ?? thisArg) : thisArg;
        const call = hostArguments(args);
        return adopt(Reflect.apply(real as AnyFunction, self, call.args), call.gaveCallback, self);
      },
      construct: (_target, args: unknown[], newTarget): object => {
        beforeCall();
        const call = hostArguments(args);
        const realClass = real as new (...values: unknown[]) => object;
        return Reflect.construct(realClass, call.args, newTarget === wrapper ? realClass : newTarget);
      },
    });
    wrappers.set(real, wrapper);
    reals.set(wrapper, real);
    return wrapper;
  }

  return {
    api: (isObject(api) ? wrap(api) : api) as Api,
    get tracked() {
      return disposers.size;
    },
    get released() {
      return releasing !== undefined;
    },
    release() {
      releasing ??= (async () => {
        for (const cell of cells) cell.fn = undefined;
        cells.clear();
        const undos = [...disposers].reverse();
        disposers.clear();
        await Promise.all(undos.map(runDisposer));
      })();
      return releasing;
    },
  };
}
