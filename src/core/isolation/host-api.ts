/**
 * `ctx.host` across a worker boundary. When a worker starts, the host sends
 * the shape of its API object (`describeHostApi`): which members are
 * methods, which are nested objects, and a snapshot of the data members. In
 * the worker, `hostApiStubs` rebuilds that shape with a stub for every
 * method, so `ctx.host.db.get(key)` sends the path `['db', 'get']` and the
 * arguments to the host and returns a promise of the result, while
 * `ctx.host.missing?.()`, `Object.keys(ctx.host)` or `await ctx.host.db` act
 * as they would on the real object. On the host, `callHostApi` walks the
 * real API along the path and calls the method with its object as `this`.
 *
 * Only values that survive structured clone cross: arguments and results,
 * never functions (a callback passed to the host fails with a DataCloneError
 * before anything is sent). Both walks follow own and class-prototype
 * properties only — never `constructor`, `__proto__`, `prototype` or what
 * Object.prototype and Function.prototype provide — so no path, not even one
 * in a message forged by the plugin, reaches `Function` in the host's realm.
 */
import { UsageError } from '../errors/index.js';

/** One member of the host API as the worker learns it. */
export type ApiNode = { kind: 'method' } | { kind: 'object'; members: Record<string, ApiNode> } | { kind: 'value'; value: unknown };

/** Sends one host call; returns a promise of its result. */
export type HostCaller = (path: string[], args: unknown[]) => Promise<unknown>;

const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype']);
/** How deep nested objects are described, and how many members in all. */
const MAX_DEPTH = 8;
const MAX_MEMBERS = 2_000;

/** The prototypes a walk follows from `holder`: its own level and its classes', never Object's or Function's. */
function* levels(holder: object): Generator<object> {
  for (let at: object | null = holder; at && at !== Object.prototype && at !== Function.prototype; at = Object.getPrototypeOf(at)) yield at;
}

/** The property `key` of `holder` when it is its own or comes from a class prototype. */
function lookup(holder: unknown, key: string): { found: true; value: unknown } | { found: false } {
  if (FORBIDDEN.has(key) || (typeof holder !== 'object' && typeof holder !== 'function') || holder === null) return { found: false };
  for (const level of levels(holder)) {
    if (Object.hasOwn(level, key)) return { found: true, value: (holder as Record<string, unknown>)[key] };
  }
  return { found: false };
}

/** True for what is walked into (plain objects, class instances), not cloned whole (arrays, Dates, Maps…). */
function walkable(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || proto === Object.prototype) return true;
  return !(
    Array.isArray(value) ||
    ArrayBuffer.isView(value) ||
    value instanceof Date ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof RegExp
  );
}

/**
 * The shape of `api` for the worker: methods, nested objects (own and
 * class-prototype members), and data members as a structured-clone
 * snapshot (those that cannot be cloned are left out). Undefined for no API.
 */
export function describeHostApi(api: unknown): ApiNode | undefined {
  if (api === undefined || api === null) return undefined;
  let budget = MAX_MEMBERS;
  const ancestors = new Set<object>();
  function describe(value: unknown, depth: number): ApiNode | undefined {
    if (typeof value === 'function') return { kind: 'method' };
    if (typeof value !== 'object' || value === null || !walkable(value)) {
      try {
        return { kind: 'value', value: structuredClone(value) };
      } catch {
        return undefined;
      }
    }
    if (depth >= MAX_DEPTH || ancestors.has(value)) return undefined;
    ancestors.add(value);
    const members: Record<string, ApiNode> = {};
    for (const level of levels(value)) {
      for (const key of Object.getOwnPropertyNames(level)) {
        if (budget <= 0 || key in members || FORBIDDEN.has(key)) continue;
        budget -= 1;
        let node: ApiNode | undefined;
        try {
          const step = lookup(value, key);
          node = step.found ? describe(step.value, depth + 1) : undefined;
        } catch {
          node = undefined; // a getter that throws is left out
        }
        if (node) members[key] = node;
      }
    }
    ancestors.delete(value);
    return { kind: 'object', members };
  }
  return describe(api, 0);
}

/** The worker's `ctx.host`: `node` rebuilt with a stub that calls the host for every method. */
export function hostApiStubs(node: ApiNode | undefined, call: HostCaller, path: string[] = []): unknown {
  if (!node) return undefined;
  if (node.kind === 'value') return node.value;
  if (node.kind === 'method') return (...args: unknown[]) => call(path, args);
  const target: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(node.members)) target[key] = hostApiStubs(member, call, [...path, key]);
  return target;
}

/** `ctx.host.a.b` (or another root's path), for messages. */
export function hostPath(path: readonly string[], root = 'ctx.host'): string {
  return [root, ...path].join('.');
}

/**
 * Calls `api` along `path` with `args` and returns what the method returned
 * (awaited). Throws a UsageError when the path does not lead to a function.
 * `root` names the API in messages (default `ctx.host`; a plugin's exported
 * API is `ctx.plugins.get("name")`).
 */
export async function callHostApi(api: unknown, path: readonly string[], args: unknown[], root = 'ctx.host'): Promise<unknown> {
  if (!Array.isArray(path) || !path.every((segment) => typeof segment === 'string')) {
    throw new UsageError(`a call of ${root} needs a path of property names`);
  }
  const hostPath = (at: readonly string[]) => [root, ...at].join('.');
  const what = root === 'ctx.host' ? 'the host API' : root;
  let holder: unknown;
  let value: unknown = api;
  for (const [index, segment] of path.entries()) {
    const step = lookup(value, segment);
    if (!step.found) throw new UsageError(`${hostPath(path.slice(0, index + 1))}: ${what} has no ${JSON.stringify(segment)} here`);
    holder = value;
    value = step.value;
  }
  if (typeof value !== 'function') {
    throw new UsageError(`${hostPath(path)} is ${value === undefined ? 'undefined' : typeof value}, not a function of ${what}`);
  }
  return await (value as (...values: unknown[]) => unknown).apply(holder, args);
}
