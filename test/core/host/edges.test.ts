/**
 * Host behaviour at the edges: ranges that disagree (concurrent loads and
 * diamond dependencies), a latest tag the host cannot run, closing a host
 * while loads are still running, and a call's deadline while it waits for a
 * handover.
 */
import { describe, expect, it } from 'vitest';
import { isDeadlineExceededError, isPluginLoadError, isResolveError, isUsageError } from '../../../src/core/errors/index.js';
import { publish, setup } from './fixture.js';

describe('host edges', () => {
  it('refuses the second of two concurrent loads whose ranges disagree', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'q', '1.0.0', `export function execute() { return 1; }`);
    await publish(registry, 'q', '2.0.0', `export function execute() { return 2; }`);
    const host = makeHost();
    const [first, second] = await Promise.allSettled([host.load('q@^1'), host.load('q@^2')]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { version: '1.0.0' } });
    expect(second.status).toBe('rejected');
    expect(isPluginLoadError((second as PromiseRejectedResult).reason)).toBe(true);
    expect(((second as PromiseRejectedResult).reason as Error).message).toBe(
      'q@^2: q@1.0.0 is already loaded and does not satisfy "^2" (unload it or call upgrade)',
    );
  });

  it('refuses diamond dependencies whose ranges no single version satisfies', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'lib', '1.0.0', `export function execute() {}`);
    await publish(registry, 'lib', '2.0.0', `export function execute() {}`);
    await publish(registry, 'a', '1.0.0', `export function execute() {}`, { dependencies: { lib: '^1' } });
    await publish(registry, 'b', '1.0.0', `export function execute() {}`, { dependencies: { lib: '^2' } });
    await publish(registry, 'app', '1.0.0', `export function execute() {}`, { dependencies: { a: '^1', b: '^1' } });
    const host = makeHost();
    const error = await host.load('app').catch((e: unknown) => e);
    expect(isResolveError(error)).toBe(true);
    expect((error as Error).message).toBe('lib: a@1.0.0 needs "^1" (resolved to 1.0.0) but b@1.0.0 needs "^2"');
    expect(host.list()).toEqual([]);
  });

  it('loads the newest version the host can run when latest needs a newer host', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'p', '1.0.0', `export function execute() { return 1; }`, { engines: { host: '^1' } });
    await publish(registry, 'p', '1.1.0', `export function execute() { return 2; }`, { engines: { host: '^1' } });
    await publish(registry, 'p', '2.0.0', `export function execute() { return 3; }`, { engines: { host: '^2' } });
    const host = makeHost({ hostVersion: '1.5.0' });
    expect((await host.load('p')).version).toBe('1.1.0');
    expect(await host.checkUpdates()).toMatchObject({ upgraded: [], failed: [] });
  });

  it('waits for loads in flight when it closes, unloads what they loaded, and refuses work afterwards', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'late', '1.0.0', `export function execute() { return 'late'; }`);
    const host = makeHost();
    const loading = host.load('late').catch((e: unknown) => e);
    await host.close();
    await loading;
    expect(host.list()).toEqual([]);
    const error = await host.load('late').catch((e: unknown) => e);
    expect(isUsageError(error)).toBe(true);
    expect((error as Error).message).toBe('late: this host is closed');
  });

  it("counts a call's deadline from the call, also while it waits for a handover", async () => {
    const { registry, host: makeHost } = setup();
    await publish(
      registry,
      'handover',
      '1.0.0',
      `export default {
      execute() { return 'v1'; },
      deactivate() { return new Promise((resolve) => { globalThis.__finishDeactivate = resolve; globalThis.__deactivating(); }); },
    };`,
    );
    const host = makeHost();
    await host.load('handover@^1');
    await publish(registry, 'handover', '1.0.1', `export function execute() { return 'v2'; }`);
    const deactivating = new Promise<void>((resolve) => ((globalThis as { __deactivating?: () => void }).__deactivating = resolve));
    const upgrade = host.upgrade('handover');
    await deactivating;
    const error = await host.execute('handover', { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(isDeadlineExceededError(error)).toBe(true);
    (globalThis as { __finishDeactivate?: () => void }).__finishDeactivate!();
    expect((await upgrade).version).toBe('1.0.1');
    expect(await host.execute('handover', { timeoutMs: 1000 })).toBe('v2');
  });

  it('refuses to unload a plugin others depend on, unless forced', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'base', '1.0.0', `export function execute() {}`);
    await publish(registry, 'user', '1.0.0', `export function execute() {}`, { dependencies: { base: '^1' } });
    const host = makeHost();
    await host.load('user');
    const error = await host.unload('base').catch((e: unknown) => e);
    expect(isUsageError(error)).toBe(true);
    expect((error as Error).message).toBe('base: user depends on it; unload it first, or pass { force: true }');
    expect(host.get('base')).toBeDefined();
    await host.unload('base', { force: true });
    expect(host.list().map((p) => p.name)).toEqual(['user']);
  });

  it("ends only the aborting caller's wait when several callers share a load", async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'shared', '1.0.0', `export function execute() { return 'shared'; }`);
    const host = makeHost();
    const impatient = new AbortController();
    const first = host.load('shared', { signal: impatient.signal });
    const second = host.load('shared');
    impatient.abort(new Error('gave up'));
    await expect(first).rejects.toThrow('gave up');
    expect((await second).version).toBe('1.0.0');
    expect(await host.execute('shared')).toBe('shared');
  });
});
