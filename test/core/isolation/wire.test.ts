/**
 * The pure parts of worker isolation, without a worker: errors survive the
 * trip through structured clone with their class and details, the host-API
 * walk refuses what is not the API, the worker's `ctx.host` has the API's
 * shape with stubs that turn calls into messages, and both kinds of loaded instance have the
 * surface the host relies on. The behaviour with real workers is tested in
 * test/node/isolation.test.ts and test/chromium/isolation.test.ts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CancelledError,
  DeadlineExceededError,
  IntegrityError,
  PluginExecutionError,
  UnloadedError,
  isIntegrityError,
  isPlughubError,
} from '../../../src/core/errors/index.js';
import type { PluginInstance } from '../../../src/core/host/instance.js';
import { callHostApi, describeHostApi, hostApiStubs } from '../../../src/core/isolation/host-api.js';
import type { IsolatedInstance } from '../../../src/core/isolation/isolated-instance.js';
import type { LoadedInstance } from '../../../src/core/isolation/types.js';
import { fromWireError, toWireError } from '../../../src/core/isolation/wire-error.js';

/** What the other side of a worker boundary gets. */
const across = (error: unknown) => fromWireError(structuredClone(toWireError(error)));

describe('errors across a worker boundary', () => {
  it('keeps the class, code, plugin, version, deadline and cause of plughub errors', () => {
    const deadline = new DeadlineExceededError('hello@1.0.0: deadline exceeded after 5 ms', 1234, { plugin: 'hello', version: '1.0.0' });
    const wrapped = new PluginExecutionError('hello@1.0.0: execute failed: boom', { plugin: 'hello', version: '1.0.0', cause: new TypeError('boom') });
    const back = across(deadline) as DeadlineExceededError;
    expect(back).toBeInstanceOf(DeadlineExceededError);
    expect(back).toMatchObject({ message: deadline.message, code: 'E_DEADLINE', plugin: 'hello', version: '1.0.0', deadline: 1234 });
    expect(back.stack).toBe(deadline.stack);
    const backWrapped = across(wrapped) as PluginExecutionError;
    expect(backWrapped).toBeInstanceOf(PluginExecutionError);
    expect(backWrapped.cause).toBeInstanceOf(Error);
    expect(backWrapped.cause).toMatchObject({ name: 'TypeError', message: 'boom' });
    expect(across(new CancelledError('stop'))).toBeInstanceOf(CancelledError);
    expect(across(new UnloadedError('gone'))).toBeInstanceOf(UnloadedError);
  });

  it('keeps name and code of other plughub errors, so the name-based guards still match', () => {
    const back = across(new IntegrityError('bad bytes', { plugin: 'p', expected: 'sha256-a' }));
    expect(isIntegrityError(back)).toBe(true);
    expect(isPlughubError(back)).toBe(true);
    expect(back).toMatchObject({ code: 'E_INTEGRITY', plugin: 'p', message: 'bad bytes' });
  });

  it('gives back thrown primitives as themselves and other errors with their name', () => {
    expect(across('just a string')).toBe('just a string');
    expect(across(42)).toBe(42);
    expect(across(null)).toBe(null);
    expect(across(undefined)).toBe(undefined);
    const custom = Object.assign(new Error('nope'), { name: 'QuotaError' });
    expect(across(custom)).toMatchObject({ name: 'QuotaError', message: 'nope' });
    expect(across({ message: 'an object with a message' })).toMatchObject({ name: 'Error', message: 'an object with a message' });
  });
});

describe('ctx.host across a worker boundary', () => {
  class Counter {
    count = 0;
    bump(by: number) {
      this.count += by;
      return this.count;
    }
  }

  it('calls own and class-prototype methods along the path, with their object as this', async () => {
    const api = { counter: new Counter(), math: { twice: async (n: number) => n * 2 } };
    expect(await callHostApi(api, ['counter', 'bump'], [3])).toBe(3);
    expect(await callHostApi(api, ['math', 'twice'], [21])).toBe(42);
  });

  it.each([
    [['constructor'], 'ctx.host.constructor: the host API has no "constructor" here'],
    [['counter', '__proto__'], 'ctx.host.counter.__proto__: the host API has no "__proto__" here'],
    [['counter', 'bump', 'call'], 'ctx.host.counter.bump.call: the host API has no "call" here'],
    [['counter', 'toString'], 'ctx.host.counter.toString: the host API has no "toString" here'],
    [['counter', 'count'], 'ctx.host.counter.count is number, not a function of the host API'],
    [['missing', 'thing'], 'ctx.host.missing: the host API has no "missing" here'],
  ])('refuses the path %j', async (path, message) => {
    await expect(callHostApi({ counter: new Counter() }, path, [])).rejects.toThrow(message);
  });

  it('describes the API for the worker: methods, nested and class-instance members, data as a snapshot', () => {
    const cyclic: Record<string, unknown> = { ping: () => 'pong' };
    cyclic.self = cyclic;
    const api = { counter: new Counter(), version: '1.2.0', limits: [1, 2], since: new Date(0), cyclic, hook: { callback: () => {} }, nothing: null };
    expect(describeHostApi(api)).toEqual({
      kind: 'object',
      members: {
        counter: { kind: 'object', members: { count: { kind: 'value', value: 0 }, bump: { kind: 'method' } } },
        version: { kind: 'value', value: '1.2.0' },
        limits: { kind: 'value', value: [1, 2] },
        since: { kind: 'value', value: new Date(0) },
        cyclic: { kind: 'object', members: { ping: { kind: 'method' } } },
        hook: { kind: 'object', members: { callback: { kind: 'method' } } },
        nothing: { kind: 'value', value: null },
      },
    });
    expect(describeHostApi(undefined)).toBeUndefined();
  });

  it('rebuilds the API in the worker with stubs that turn calls into messages', async () => {
    const sent: Array<[string[], unknown[]]> = [];
    const shape = describeHostApi({ db: { get: () => 'never called here' }, version: '1.2.0' });
    const host = hostApiStubs(shape, async (path, args) => {
      sent.push([path, args]);
      return 'answer';
    }) as { db: { get(...args: unknown[]): Promise<unknown>; put?: () => void }; version: string; missing?: () => void };
    expect(await host.db.get('k', 1)).toBe('answer');
    expect(sent).toEqual([
      [
        ['db', 'get'],
        ['k', 1],
      ],
    ]);
    expect(host.version).toBe('1.2.0');
    expect(host.missing?.()).toBeUndefined();
    expect(host.db.put).toBeUndefined();
    expect(await Promise.resolve(host.db)).toBe(host.db);
    expect(JSON.stringify(host)).toBe('{"db":{},"version":"1.2.0"}');
    expect(sent).toHaveLength(1);
    expect(hostApiStubs(undefined, async () => undefined)).toBeUndefined();
  });
});

it('gives PluginInstance and IsolatedInstance the surface the host relies on', () => {
  expectTypeOf<PluginInstance>().toExtend<LoadedInstance>();
  expectTypeOf<IsolatedInstance>().toExtend<LoadedInstance>();
});
