/**
 * Worker isolation through the Node host: createPluginHost runs a plugin in a
 * worker_threads worker when `load` (or the host) asks for it; values and
 * ctx.host calls cross, a deadline stops a busy loop, reloads hand state
 * from one worker to the next, and unload leaves no worker running.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDeadlineExceededError, isUsageError } from '../../src/core/errors/index.js';
import { createHost } from '../../src/core/host/create.js';
import { createFileLoader } from '../../src/node/loader/file-loader.js';
import { createPluginHost } from '../../src/node/host.js';
import { createNodeWorkerSpawner } from '../../src/node/worker-spawner.js';
import { HOST_CALLER, LOOPS, STATEFUL } from '../contracts/isolation-plugins.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function nodeHost<Api>(api?: Api) {
  const dir = await mkdtemp(join(tmpdir(), 'plughub-host-isolation-'));
  const host = createPluginHost<Api>({
    cacheDir: dir,
    env: {},
    loader: createFileLoader({ privateDir: join(dir, 'modules') }),
    ...(api ? { api } : {}),
  });
  cleanups.push(async () => {
    await host.close();
    await rm(dir, { recursive: true, force: true });
  });
  return host;
}

const bundle = (name: string, version: string, code: string) => ({
  manifest: { name, version, source: { mode: 'esm', path: 'index.js' } },
  bytes: new TextEncoder().encode(code),
  location: `/plugins/${name}`,
});

describe('host with isolation: worker', () => {
  it('runs a plugin in a worker, with values and host API calls crossing', async () => {
    const store = new Map([['k', 'stored value']]);
    const host = await nodeHost({
      math: { add: (a: number, b: number) => a + b },
      store: { get: (key: string) => store.get(key), fail: (why: string) => Promise.reject(new Error(why)) },
    });
    const loaded = await host.loadBundle(bundle('caller', '1.0.0', HOST_CALLER), { isolation: 'worker' });
    expect(loaded.isolation).toBe('worker');
    expect(host.get('caller')?.isolation).toBe('worker');
    expect(await host.execute('caller', { values: { key: 'k' } })).toEqual({
      sum: 5,
      stored: 'stored value',
      failure: 'Error: nope',
    });
  });

  it('stops a plugin that loops forever at its deadline, and serves the next call', async () => {
    const notes: string[] = [];
    const host = await nodeHost({ note: (text: string) => void notes.push(text) });
    await host.loadBundle(bundle('looper', '1.0.0', LOOPS), { isolation: 'worker' });
    const error = await host.execute('looper', { values: { loop: true }, timeoutMs: 50 }).catch((e: unknown) => e);
    expect(isDeadlineExceededError(error)).toBe(true);
    expect(notes).toEqual(['looping']);
    expect(await host.execute('looper', { values: { loop: false } })).toMatchObject({ calls: 1 });
  });

  it('hands state from one worker to the next on reload, and unload stops the worker', async () => {
    const host = await nodeHost();
    await host.loadBundle(bundle('counter', '1.0.0', STATEFUL), { isolation: 'worker' });
    expect(await host.execute('counter')).toBe(1);
    expect(await host.execute('counter')).toBe(2);
    const reloaded = await host.loadBundle(bundle('counter', '1.0.1', `// v2\n${STATEFUL}`), { replace: true });
    expect(reloaded).toMatchObject({ version: '1.0.1', isolation: 'worker' });
    expect(await host.execute('counter')).toBe(3);
    const unloaded = new Promise<string>((resolve) => host.on('unloaded', ({ version }) => resolve(version)));
    await host.unload('counter');
    expect(await unloaded).toBe('1.0.1');
    expect(host.list()).toEqual([]);
  });

  it('keeps plugins in the host realm by default and uses the host-wide setting', async () => {
    const host = await nodeHost();
    expect((await host.loadBundle(bundle('inline', '1.0.0', STATEFUL))).isolation).toBe('none');
    const isolated = createHost({ isolation: 'worker', workers: createNodeWorkerSpawner() });
    cleanups.push(() => isolated.close());
    expect((await isolated.loadBundle(bundle('default-worker', '1.0.0', STATEFUL))).isolation).toBe('worker');
  });

  it('refuses worker isolation without a spawner, and an unknown mode', async () => {
    const bare = createHost();
    const error = await bare.loadBundle(bundle('nowhere', '1.0.0', STATEFUL), { isolation: 'worker' }).catch((e: unknown) => e);
    expect(isUsageError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^nowhere: isolation 'worker' needs a worker spawner/);
    const host = await nodeHost();
    const odd = await host.loadBundle(bundle('odd', '1.0.0', STATEFUL), { isolation: 'thread' as 'worker' }).catch((e: unknown) => e);
    expect((odd as Error).message).toBe(`odd: isolation must be 'none' or 'worker', got "thread"`);
  });
});
