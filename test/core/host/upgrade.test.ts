import { describe, expect, it } from 'vitest';
import { isPluginExecutionError, isUnloadedError } from '../../../src/core/errors/index.js';
import type { HostEvents } from '../../../src/core/host/types.js';
import { publish, setup } from './fixture.js';

describe('host: upgrade', () => {
  it('moves to the newest version in range and hands state from deactivate to activate', async () => {
    const { registry, host: makeHost } = setup();
    await publish(
      registry,
      'counter',
      '1.0.0',
      `let count = 0;
      export default { activate(ctx, state) {}, execute() { return ++count; }, deactivate() { return { count }; } };`,
    );
    const host = makeHost();
    await host.load('counter@^1');
    await host.execute('counter');
    await host.execute('counter');
    await publish(
      registry,
      'counter',
      '1.1.0',
      `let count = 0;
      export default { activate(ctx, state) { count = state.count * 100; }, execute() { return ++count; } };`,
    );
    await publish(registry, 'counter', '2.0.0', `export function execute() { return 'too new'; }`);
    const upgrades: HostEvents['upgraded'][] = [];
    host.on('upgraded', (event) => upgrades.push(event));
    const upgraded = await host.upgrade('counter');
    expect(upgraded.version).toBe('1.1.0');
    expect(await host.execute('counter')).toBe(201);
    expect(upgrades).toMatchObject([{ name: 'counter', from: '1.0.0', to: '1.1.0' }]);
    expect((await host.upgrade('counter')).version).toBe('1.1.0');
    expect(upgrades).toHaveLength(1);
  });

  it('lets calls in flight finish on the old version, then aborts it', async () => {
    const { registry, host: makeHost } = setup();
    await publish(
      registry,
      'slowpoke',
      '1.0.0',
      `export function execute(ctx) {
      return new Promise((resolve, reject) => {
        globalThis.__finishOld = () => resolve('old');
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        globalThis.__oldStarted();
      });
    }`,
    );
    const host = makeHost();
    const old = await host.load('slowpoke@^1');
    const started = new Promise<void>((resolve) => ((globalThis as { __oldStarted?: () => void }).__oldStarted = resolve));
    const inFlight = host.execute('slowpoke');
    await started;
    await publish(registry, 'slowpoke', '1.0.1', `export function execute() { return 'new'; }`);
    await host.upgrade('slowpoke');
    expect(await host.execute('slowpoke')).toBe('new');
    (globalThis as { __finishOld?: () => void }).__finishOld!();
    expect(await inFlight).toBe('old');
    const late = await old.execute().catch((e: unknown) => e);
    expect(isUnloadedError(late)).toBe(true);
    expect((late as Error).message).toBe('slowpoke@1.0.0 was upgraded to 1.0.1');
  });

  it('keeps the old version serving when the new one fails to activate', async () => {
    const { registry, host: makeHost } = setup();
    await publish(
      registry,
      'stable',
      '1.0.0',
      `let state;
      export default { activate(ctx, s) { state = s; }, execute() { return 'v1 ' + JSON.stringify(state ?? null); }, deactivate() { return 'kept'; } };`,
    );
    const host = makeHost();
    await host.load('stable@^1');
    await publish(registry, 'stable', '1.1.0', `export default { activate() { throw new Error('cannot start'); }, execute() { return 'v2'; } };`);
    const errors: HostEvents['error'][] = [];
    host.on('error', (event) => errors.push(event));
    const error = await host.upgrade('stable').catch((e: unknown) => e);
    expect(isPluginExecutionError(error)).toBe(true);
    expect((error as Error).message).toBe('stable@1.1.0: activate failed: cannot start');
    expect(host.get('stable')!.version).toBe('1.0.0');
    expect(await host.execute('stable')).toBe('v1 "kept"');
    expect(errors).toMatchObject([{ name: 'stable', version: '1.0.0', phase: 'upgrade' }]);
  });

  it('keeps the old version serving when the new bundle fails integrity', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'guarded', '1.0.0', `export function execute() { return 'v1'; }`);
    const host = makeHost();
    await host.load('guarded');
    const entry = await publish(registry, 'guarded', '1.0.1', `export function execute() { return 'v2'; }`);
    registry.intercept((request) =>
      new URL(request.url).pathname === entry.dist.url ? new Response('export function execute() { return "evil"; }') : undefined,
    );
    await expect(host.upgrade('guarded')).rejects.toThrow(/does not match/);
    expect(await host.execute('guarded')).toBe('v1');
  });
});
