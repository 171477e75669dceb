/**
 * The atomic switch of an upgrade: under 200 concurrent calls none is lost
 * and none runs on both versions; calls made while state is handed over wait
 * and run on the new version. Also: deactivate failures, dependencies of the
 * new version, unload racing an upgrade, close during the grace period.
 */
import { describe, expect, it } from 'vitest';
import { isNotLoadedError, isUnloadedError } from '../../../src/core/errors/index.js';
import type { HostEvents } from '../../../src/core/host/types.js';
import { publish, setup } from './fixture.js';

interface Handover {
  runs: Array<[version: string, id: number]>;
  deactivating?: () => void;
  finishDeactivate?: (state: unknown) => void;
  activatedWith?: unknown;
}

describe('host: upgrade under concurrent calls', () => {
  it('runs each of 200 calls exactly once, on the old version before the switch and on the new one after', async () => {
    const shared: Handover = { runs: [] };
    (globalThis as { __handover?: Handover }).__handover = shared;
    const { registry, host: makeHost } = setup();
    const module = (version: string, hooks: string) => `const h = globalThis.__handover;
      export default {
        async execute(ctx) {
          const id = ctx.get('id');
          h.runs.push([${JSON.stringify(version)}, id]);
          await new Promise((resolve) => setTimeout(resolve, id % 4));
          return { version: ${JSON.stringify(version)}, id };
        },
        ${hooks}
      };`;
    await publish(
      registry,
      'busy',
      '1.0.0',
      module(
        '1.0.0',
        `deactivate() {
      h.deactivating();
      return new Promise((resolve) => { h.finishDeactivate = resolve; });
    },`,
      ),
    );
    const host = makeHost();
    await host.load('busy@^1');
    await publish(registry, 'busy', '1.1.0', module('1.1.0', `activate(ctx, state) { h.activatedWith = state; },`));

    const call = (id: number) => host.execute<{ version: string; id: number }>('busy', { values: { id } });
    const before = Array.from({ length: 100 }, (_, id) => call(id));
    const deactivating = new Promise<void>((resolve) => (shared.deactivating = resolve));
    const upgraded = host.upgrade('busy');
    await deactivating;
    const during = Array.from({ length: 50 }, (_, i) => call(100 + i));
    shared.finishDeactivate!({ handed: 'over' });
    expect((await upgraded).version).toBe('1.1.0');
    const after = Array.from({ length: 50 }, (_, i) => call(150 + i));
    const results = await Promise.all([...before, ...during, ...after]);

    expect(results.map((r) => r.id)).toEqual(Array.from({ length: 200 }, (_, id) => id));
    const ranOn = new Map<number, string[]>();
    for (const [version, id] of shared.runs) ranOn.set(id, [...(ranOn.get(id) ?? []), version]);
    expect(ranOn.size).toBe(200);
    for (const result of results) expect(ranOn.get(result.id)).toEqual([result.version]);
    expect(results.filter((r) => r.version === '1.0.0').map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, id) => id));
    expect(results.filter((r) => r.version === '1.1.0')).toHaveLength(100);
    expect(shared.activatedWith).toEqual({ handed: 'over' });
  });

  it('refuses new calls through the old view at once, while its calls in flight finish', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'views', '1.0.0', `export function execute() { return '1.0.0'; }`);
    const host = makeHost();
    const old = await host.load('views');
    await publish(registry, 'views', '1.0.1', `export function execute() { return '1.0.1'; }`);
    const current = await host.upgrade('views');
    expect(await current.execute()).toBe('1.0.1');
    const refused = await old.execute().catch((e: unknown) => e);
    expect(isUnloadedError(refused)).toBe(true);
    expect((refused as Error).message).toBe('views@1.0.0 was upgraded to 1.0.1');
  });
});

describe('host: upgrade edge cases', () => {
  it('upgrades anyway when the old deactivate throws, reporting it, and activates the new version without state', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'clumsy', '1.0.0', `export default { execute() { return 1; }, deactivate() { throw new Error('oops'); } };`);
    const host = makeHost();
    await host.load('clumsy@^1');
    await publish(
      registry,
      'clumsy',
      '1.0.1',
      `let got = 'unset';
      export default { activate(ctx, state) { got = state; }, execute() { return got === undefined ? 'no state' : got; } };`,
    );
    const errors: HostEvents['error'][] = [];
    host.on('error', (event) => errors.push(event));
    expect((await host.upgrade('clumsy')).version).toBe('1.0.1');
    expect(await host.execute('clumsy')).toBe('no state');
    expect(errors).toMatchObject([{ name: 'clumsy', version: '1.0.0', phase: 'deactivate' }]);
    expect((errors[0]!.error as Error).message).toBe('clumsy@1.0.0: deactivate failed: oops');
  });

  it('keeps the old version serving when the download fails or the new module cannot be imported', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'sturdy', '1.0.0', `export function execute() { return 'v1'; }`);
    const host = makeHost();
    await host.load('sturdy@^1');
    const errors: HostEvents['error'][] = [];
    host.on('error', (event) => errors.push(event));
    const unreachable = await publish(registry, 'sturdy', '1.0.1', `export function execute() { return 'v2'; }`);
    const off = registry.intercept((request) =>
      new URL(request.url).pathname === unreachable.dist.url ? new Response('{"error":{"code":"E","message":"down"}}', { status: 503 }) : undefined,
    );
    await expect(host.upgrade('sturdy')).rejects.toThrow(/503/);
    off();
    registry.yank('sturdy', '1.0.1');
    await publish(registry, 'sturdy', '1.0.2', `export function execute() { return 'v3' `);
    await expect(host.upgrade('sturdy')).rejects.toThrow(/sturdy@1\.0\.2: import failed/);
    expect(await host.execute('sturdy')).toBe('v1');
    expect(errors.map((e) => [e.name, e.version, e.phase])).toEqual([
      ['sturdy', '1.0.0', 'upgrade'],
      ['sturdy', '1.0.0', 'upgrade'],
    ]);
  });

  it("loads the new version's dependencies first", async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'app', '1.0.0', `export function execute() { return 'alone'; }`);
    await publish(registry, 'helper', '2.0.0', `export function execute() { return 'helped'; }`);
    const host = makeHost();
    await host.load('app@^1');
    await publish(registry, 'app', '1.1.0', `export function execute() { return 'with helper'; }`, { dependencies: { helper: '^2' } });
    await host.upgrade('app');
    expect(
      host
        .list()
        .map((p) => `${p.name}@${p.version}`)
        .sort(),
    ).toEqual(['app@1.1.0', 'helper@2.0.0']);
  });

  it('skips newer versions the host cannot run and never moves to a lower version', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'picky', '1.0.0', `export function execute() {}`);
    const host = makeHost({ hostVersion: '1.4.0' });
    await host.load('picky@^1');
    await publish(registry, 'picky', '1.2.0', `export function execute() {}`, { engines: { host: '^1.3.0' } });
    await publish(registry, 'picky', '1.3.0', `export function execute() {}`, { engines: { host: '^2.0.0' } });
    expect((await host.upgrade('picky')).version).toBe('1.2.0');
    registry.yank('picky', '1.2.0');
    expect((await host.upgrade('picky')).version).toBe('1.2.0');
  });

  it('does one swap when the same upgrade is asked for twice at once', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'twice', '1.0.0', `export function execute() {}`);
    const host = makeHost();
    await host.load('twice@^1');
    await publish(registry, 'twice', '1.0.1', `export function execute() {}`);
    const upgrades: HostEvents['upgraded'][] = [];
    host.on('upgraded', (event) => upgrades.push(event));
    const [a, b] = await Promise.all([host.upgrade('twice'), host.upgrade('twice')]);
    expect([a.version, b.version]).toEqual(['1.0.1', '1.0.1']);
    expect(upgrades).toMatchObject([{ name: 'twice', from: '1.0.0', to: '1.0.1', reason: 'upgrade' }]);
    expect(upgrades[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('gives up an upgrade whose plugin was unloaded while the new version was prepared', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'gone', '1.0.0', `export function execute() {}`);
    const host = makeHost();
    await host.load('gone@^1');
    const entry = await publish(
      registry,
      'gone',
      '1.0.1',
      `globalThis.__goneActivated = false; export default { activate() { globalThis.__goneActivated = true; }, execute() {} };`,
    );
    let unloading: Promise<void> | undefined;
    registry.intercept((request) => {
      if (new URL(request.url).pathname === entry.dist.url) unloading ??= host.unload('gone');
      return undefined;
    });
    const error = await host.upgrade('gone').catch((e: unknown) => e);
    await unloading;
    expect(isNotLoadedError(error)).toBe(true);
    expect((error as Error).message).toBe('gone was unloaded before its upgrade to 1.0.1 was ready');
    expect(host.get('gone')).toBeUndefined();
    expect((globalThis as { __goneActivated?: boolean }).__goneActivated).toBe(false);
  });

  it('aborts the calls a replaced version still runs when the host closes during the grace period', async () => {
    const { registry, host: makeHost } = setup();
    await publish(
      registry,
      'lingering',
      '1.0.0',
      `export function execute(ctx) {
      globalThis.__lingeringStarted();
      return new Promise((resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    }`,
    );
    const host = makeHost();
    await host.load('lingering@^1');
    const started = new Promise<void>((resolve) => ((globalThis as { __lingeringStarted?: () => void }).__lingeringStarted = resolve));
    const hanging = host.execute('lingering').catch((e: unknown) => e);
    await started;
    await publish(registry, 'lingering', '1.0.1', `export function execute() { return 'new'; }`);
    await host.upgrade('lingering');
    await host.close();
    const error = await hanging;
    expect(isUnloadedError(error)).toBe(true);
    expect(host.list()).toEqual([]);
  });
});
