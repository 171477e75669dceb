/**
 * Plugin isolation with real worker_threads workers: values, results, state
 * and errors cross as structured clones; ctx.host calls reach the host API by
 * path; a deadline and an unload stop a plugin stuck in `while (true) {}`; a
 * crash (process.exit, a throw in a timer, an unhandled rejection) fails its
 * calls with an error naming the plugin, and the next call runs on a fresh
 * worker; a cooperative plugin sees the caller's cancellation. Every worker a
 * test starts is terminated by the end of the test.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CancelledError,
  DeadlineExceededError,
  IntegrityError,
  PluginExecutionError,
  PluginLoadError,
  UnloadedError,
  UsageError,
} from '../../src/core/errors/index.js';
import { computeIntegrity } from '../../src/core/integrity.js';
import { createIsolatedInstance, type IsolatedInstance, type IsolatedInstanceInit } from '../../src/core/isolation/isolated-instance.js';
import type { WorkerSpawner } from '../../src/core/isolation/types.js';
import { parseManifest } from '../../src/core/plugin/manifest.js';
import { createNodeWorkerSpawner } from '../../src/node/worker-spawner.js';
import {
  COOPERATIVE,
  CRASHES_BY_REJECTION,
  CRASHES_IN_TIMER,
  ECHO,
  HOST_CALLER,
  LOOPS,
  MISBEHAVES,
  STATEFUL,
  crashing,
} from '../contracts/isolation-plugins.js';

/** Every worker started, and whether it has been terminated. */
const workers: Array<{ terminated: boolean }> = [];

/** A spawner that records its workers in `workers`. */
function tracked(inner: WorkerSpawner): WorkerSpawner {
  return {
    moduleSchemes: inner.moduleSchemes!,
    spawn() {
      const worker = inner.spawn();
      const record = { terminated: false };
      workers.push(record);
      return {
        ...worker,
        terminate: async () => {
          record.terminated = true;
          await worker.terminate();
        },
      };
    },
  };
}
const spawner = tracked(createNodeWorkerSpawner());
const instances: IsolatedInstance[] = [];

afterEach(async () => {
  for (const instance of instances.splice(0)) {
    instance.close('unloaded by the test');
    await instance.whenStopped();
  }
  expect(workers.splice(0).filter((worker) => !worker.terminated)).toEqual([]);
});

/** Notes the plugins send through `ctx.host.note`, and a way to wait for one. */
function notebook() {
  const notes: string[] = [];
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  return {
    notes,
    note(text: string) {
      notes.push(text);
      for (const waiter of waiters.filter((w) => w.text === text)) waiter.resolve();
    },
    seen(text: string): Promise<void> {
      if (notes.includes(text)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ text, resolve }));
    },
  };
}

async function isolated(name: string, code: string, options: Partial<IsolatedInstanceInit> = {}) {
  const bytes = new TextEncoder().encode(code);
  const instance = await createIsolatedInstance({
    manifest: parseManifest({ name, version: '1.0.0', source: { mode: 'esm', path: 'index.js' } }),
    integrity: await computeIntegrity(bytes),
    bytes,
    origin: { kind: 'local', location: `test/${name}` },
    spawner,
    ...options,
  });
  instances.push(instance);
  return instance;
}

describe('isolation: worker_threads', () => {
  it('runs the plugin in its own worker with values, label and deadline crossing as structured clones', async () => {
    const values = { when: new Date(0), bytes: new Uint8Array([1, 2, 3]), nested: new Map([['k', [1, { deep: true }]]]) };
    const [a, b] = [await isolated('echo', ECHO), await isolated('echo', ECHO)];
    const result = await a.execute({ values: { who: 'ada', values }, label: 'GET /echo', timeoutMs: 5_000 });
    expect(result).toEqual({ calls: 1, who: 'ada', values, label: 'GET /echo', hasDeadline: true, plugin: 'echo@1.0.0' });
    expect((result as { values: typeof values }).values.when).toBeInstanceOf(Date);
    // Same bytes, another worker: module state is not shared (in-process, the data: loader would share it).
    expect(await a.execute()).toMatchObject({ calls: 2, hasDeadline: false });
    expect(await b.execute()).toMatchObject({ calls: 1 });
    expect(workers).toHaveLength(2);
  });

  it('routes ctx.host calls to the host API by path, sends host errors back and forwards ctx.log', async () => {
    class Store {
      readonly #data = new Map([['k', 'value of k']]);
      get(key: string) {
        return this.#data.get(key);
      }
      fail(what: string): never {
        throw new RangeError(`store refused: ${what}`);
      }
    }
    const lines: unknown[][] = [];
    const log = { debug() {}, info: (...args: unknown[]) => void lines.push(args), warn() {}, error() {} };
    const instance = await isolated('host-caller', HOST_CALLER, { api: { math: { add: (a: number, b: number) => a + b }, store: new Store() }, log });
    expect(await instance.execute({ values: { key: 'k' } })).toEqual({ sum: 5, stored: 'value of k', failure: 'RangeError: store refused: nope' });
    expect(lines).toEqual([['[host-caller@1.0.0]', 'stored', 'value of k']]);
  });

  it('refuses what cannot cross: functions in values and results; a plugin error keeps its cause', async () => {
    const misbehaves = await isolated('misbehaves', MISBEHAVES);
    await expect(misbehaves.execute({ values: { callback: () => 1 } })).rejects.toThrow(UsageError);
    await expect(misbehaves.execute({ values: { callback: () => 1 } })).rejects.toThrow(/misbehaves@1.0.0: the values of execute cannot be sent to the worker/);
    await expect(misbehaves.execute()).rejects.toThrow(/misbehaves@1.0.0: execute returned a value that cannot be sent to the host .*could not be cloned/);
    const thrown = await misbehaves.execute({ values: { throw: 3 } }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(PluginExecutionError);
    expect(thrown).toMatchObject({ message: 'misbehaves@1.0.0: execute failed: out of range: 3', cause: { name: 'RangeError' } });
    // The worker imported the plugin from a data: URL labelled with its name, and its runtime is named too: the stack names both, no base64 module.
    const stack = String(((thrown as Error).cause as Error).stack);
    expect(stack).toMatch(/^RangeError: out of range: 3\n {4}at (?:Module\.)?execute \(plughub:misbehaves@1\.0\.0:2:\d+\)$/m);
    expect(stack).toContain('plughub:worker-runtime:');
    expect(stack).not.toContain('base64');
    expect(stack.length).toBeLessThan(1000);
  });

  it('gives the plugin the shape of the host API: calls cross, data is a snapshot, and no path leaves the API, not even a forged one', async () => {
    const plugin = `export async function execute(ctx) {
      const { parentPort } = await import('node:worker_threads');
      // A message written by hand, as a hostile plugin could: the host must refuse the path.
      const forged = new Promise((resolve) => parentPort.addEventListener('message', ({ data }) => {
        if (data.type === 'host-result' && data.id === 1e9) resolve(data.error.name + ': ' + data.error.message);
      }));
      parentPort.postMessage({ type: 'host-call', id: 1e9, path: ['store', 'constructor', 'constructor'], args: ['return process'] });
      let clone;
      try { await ctx.host.store.get(() => 1); } catch (error) { clone = error.name + ': ' + error.message; }
      return { keys: Object.keys(ctx.host.store), size: ctx.host.store.size, missing: ctx.host.missing?.(), got: await ctx.host.store.get('k'), clone, forged: await forged };
    }`;
    const api = { store: { size: 3, get: (key: string) => `value of ${key}` } };
    expect(await (await isolated('shape', plugin, { api })).execute()).toEqual({
      keys: ['size', 'get'],
      size: 3,
      missing: undefined,
      got: 'value of k',
      clone: expect.stringMatching(/^UsageError: shape@1.0.0: ctx.host.store.get\(\): its arguments cannot be sent to the host .*could not be cloned/),
      forged: 'UsageError: ctx.host.store.constructor: the host API has no "constructor" here',
    });
  });

  it('stops a plugin looping forever at its deadline; the next call runs on a fresh worker, activated again without state', async () => {
    let crash: PluginExecutionError | undefined;
    const instance = await isolated('loops', LOOPS, { api: { note() {} }, onCrash: (error) => (crash = error) });
    await instance.activate('first state');
    expect(await instance.execute()).toEqual({ calls: 1, activations: ['first state'] });
    const started = Date.now();
    const error = await instance.execute({ values: { loop: true }, timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toBe('loops@1.0.0: deadline exceeded after 100 ms');
    expect(Date.now() - started).toBeLessThan(1_000);
    // The next call waits for the verdict on the stuck worker (terminated after the 100 ms grace), then starts another.
    expect(await instance.execute()).toEqual({ calls: 1, activations: ['no state'] });
    expect(crash?.message).toBe(
      'loops@1.0.0: the worker was terminated: execute did not stop within 100 ms after its context aborted ' +
        '(loops@1.0.0: deadline exceeded after 100 ms); a busy loop cannot see its signal abort',
    );
    expect(workers.map((worker) => worker.terminated)).toEqual([true, false]);
  });

  it('unload stops a plugin looping forever: the call rejects with UnloadedError, the worker goes, and it loads again', async () => {
    const book = notebook();
    const instance = await isolated('loops', LOOPS, { api: book });
    const call = instance.execute({ values: { loop: true } });
    await book.seen('looping');
    instance.close('unloaded');
    await expect(call).rejects.toThrow(UnloadedError);
    await expect(call).rejects.toThrow('loops@1.0.0 was unloaded');
    await instance.whenStopped();
    expect(workers[0]?.terminated).toBe(true);
    await expect(instance.execute()).rejects.toThrow(UnloadedError);
    const again = await isolated('loops', LOOPS, { api: book });
    expect(await again.execute()).toEqual({ calls: 1, activations: [] });
  });

  it.each([
    ['process.exit', crashing('setTimeout(() => process.exit(3));'), 'crash@1.0.0: the worker exited with code 3'],
    ['a throw in a timer', CRASHES_IN_TIMER, 'crash@1.0.0: the worker crashed: TypeError: the timer blew up'],
    ['an unhandled rejection', CRASHES_BY_REJECTION, 'crash@1.0.0: the worker crashed: Error: nobody caught me'],
  ])('a crash by %s fails the calls in flight with a clear error, and the next call starts a fresh worker', async (_how, code, message) => {
    const crashes: PluginExecutionError[] = [];
    const instance = await isolated('crash', code, { onCrash: (error) => crashes.push(error) });
    expect(await instance.execute()).toBe('alive, call 1');
    const calls = [instance.execute({ values: { crash: true } }), instance.execute({ values: { crash: true } })];
    for (const call of calls) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginExecutionError);
      expect(error).toMatchObject({ message, plugin: 'crash', version: '1.0.0' });
    }
    expect(crashes.map((error) => error.message)).toEqual([message]);
    expect(instance.crashed?.message).toBe(message);
    expect(await instance.execute()).toBe('alive, call 1');
    expect(instance.crashed).toBeUndefined();
    expect(workers.map((worker) => worker.terminated)).toEqual([true, false]);
  });

  it('a plugin that allocates without bound crashes only its worker, at the heap limit of the spawner', async () => {
    const hungry = crashing('const hoard = []; for (;;) hoard.push(new Array(100_000).fill(hoard.length));');
    const limited = tracked(createNodeWorkerSpawner({ resourceLimits: { maxOldGenerationSizeMb: 32 } }));
    const instance = await isolated('crash', hungry, { spawner: limited });
    const error = await instance.execute({ values: { crash: true } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginExecutionError);
    expect((error as Error).message).toMatch(/^crash@1.0.0: the worker crashed: Error: .*out of memory/);
    expect(await instance.execute()).toBe('alive, call 1');
  });

  it("cancellation reaches a cooperative plugin: its signal aborts with the caller's reason and it can still call the host", async () => {
    const book = notebook();
    const instance = await isolated('cooperative', COOPERATIVE, { api: book });
    const controller = new AbortController();
    const reason = new CancelledError('the user gave up');
    const call = instance.execute({ signal: controller.signal });
    await book.seen('waiting');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    await book.seen('aborted: CancelledError');
    await expect(instance.execute({ timeoutMs: 50 })).rejects.toThrow(DeadlineExceededError);
    await book.seen('aborted: DeadlineExceededError');
    expect(instance.crashed).toBeUndefined();
    expect(workers.map((worker) => worker.terminated)).toEqual([false]);
  });

  it('hands state from deactivate to the next activate, and runs deactivate after close before the worker goes', async () => {
    const first = await isolated('stateful', STATEFUL);
    await first.activate({ count: 5 });
    expect([await first.execute(), await first.execute()]).toEqual([6, 7]);
    // The host's unload closes first, then deactivates: the worker stays until deactivate has answered.
    first.close('unloaded');
    const state = await first.deactivate(1_000);
    expect(state).toEqual({ count: 7 });
    await first.whenStopped();
    const second = await isolated('stateful', STATEFUL);
    await second.activate(state);
    expect(await second.execute()).toBe(8);
    expect(workers.map((worker) => worker.terminated)).toEqual([true, false]);
  });

  it('reports a bundle that cannot load as a PluginLoadError and leaves no worker running', async () => {
    const cases: Array<[string, RegExp]> = [
      ['export const = ;', /^broken@1.0.0: import failed: SyntaxError: /],
      ['export const answer = 42;', /^broken@1.0.0: the module has no execute function \(it exports answer\)/],
      ["throw new RangeError('no configuration');", /^broken@1.0.0: import failed: RangeError: no configuration$/],
      ['process.exit(7);', /^broken@1.0.0: the worker exited with code 7 while loading the module$/],
      ['while (true) {}', /^broken@1.0.0: the module did not finish loading in its worker within 300 ms$/],
    ];
    for (const [code, message] of cases) {
      const error = await isolated('broken', code, { loadTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PluginLoadError);
      expect((error as Error).message).toMatch(message);
    }
    expect(workers.map((worker) => worker.terminated)).toEqual([true, true, true, true, true]);
    const bytes = new TextEncoder().encode(ECHO);
    const wrong = await computeIntegrity(new TextEncoder().encode('something else'));
    const manifest = parseManifest({ name: 'echo', version: '1.0.0', source: { mode: 'esm', path: 'index.js' } });
    await expect(createIsolatedInstance({ manifest, integrity: wrong, bytes, origin: { kind: 'local', location: 'x' }, spawner })).rejects.toThrow(
      IntegrityError,
    );
    expect(workers).toHaveLength(5);
  });

  it('does not keep the process alive once calls are done, even when the plugin is never unloaded', async () => {
    const script = fileURLToPath(new URL('./fixtures/isolated-host.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 15_000 });
    expect(stdout).toBe('"hello worker"\n');
  });
});
