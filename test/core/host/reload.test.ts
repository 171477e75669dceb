/** loadBundle({ replace: true }): reloading a local bundle swaps it in like an upgrade, with state, events and a safe failure. */
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/core/host/create.js';
import type { HostEvents } from '../../../src/core/host/types.js';
import { pluginSource } from './fixture.js';

const encoder = new TextEncoder();

function bundle(version: string, body: string) {
  return {
    manifest: { name: 'local', version, source: { mode: 'esm', path: 'index.js' } },
    bytes: encoder.encode(pluginSource(body)),
    location: '/plugins/local',
  };
}

const counter = (step: number) => `let count = 0;
  export default {
    activate(ctx, state) { count = state?.count ?? 0; },
    execute() { count += ${step}; return count; },
    deactivate() { return { count }; },
  };`;

/** Records every lifecycle event by name. */
function recordEvents(host: ReturnType<typeof createHost>) {
  const seen: string[] = [];
  const names = ['loading', 'loaded', 'activated', 'upgraded', 'deactivated', 'retired', 'unloaded', 'error'] as const;
  for (const name of names) host.on(name, () => void seen.push(name));
  return seen;
}

describe('host.loadBundle with replace', () => {
  it('swaps a new bundle in, hands the state over and reports it as a reload', async () => {
    const host = createHost();
    await host.loadBundle(bundle('1.0.0', counter(1)));
    expect(await host.execute('local')).toBe(1);
    expect(await host.execute('local')).toBe(2);
    const seen = recordEvents(host);
    const upgraded = new Promise<HostEvents['upgraded']>((resolve) => host.on('upgraded', resolve));
    const retired = new Promise<HostEvents['retired']>((resolve) => host.on('retired', resolve));
    const plugin = await host.loadBundle(bundle('1.0.0', counter(10)), { replace: true });
    expect(plugin).toMatchObject({ name: 'local', version: '1.0.0', origin: { kind: 'local', location: '/plugins/local' } });
    expect(await host.execute('local')).toBe(12);
    expect(await upgraded).toMatchObject({ name: 'local', from: '1.0.0', to: '1.0.0', reason: 'reload', plugin: { version: '1.0.0' } });
    await retired;
    expect(seen).toEqual(['loading', 'deactivated', 'activated', 'upgraded', 'retired']);
  });

  it('keeps the old bundle serving when the new one cannot be imported or activated, and says where it came from', async () => {
    const host = createHost();
    await host.loadBundle(bundle('1.0.0', counter(1)));
    await host.execute('local');
    const errors: HostEvents['error'][] = [];
    host.on('error', (event) => errors.push(event));
    await expect(host.loadBundle(bundle('1.0.1', 'export default {'), { replace: true })).rejects.toThrow(/local@1\.0\.1: import failed/);
    await expect(
      host.loadBundle(bundle('1.0.2', `export default { activate() { throw new Error('no'); }, execute() {} };`), { replace: true }),
    ).rejects.toThrow('local@1.0.2: activate failed: no');
    expect(await host.execute('local')).toBe(2);
    expect(host.get('local')!.version).toBe('1.0.0');
    expect(errors).toMatchObject([
      { name: 'local', version: '1.0.1', location: '/plugins/local', phase: 'reload' },
      { name: 'local', version: '1.0.2', location: '/plugins/local', phase: 'reload' },
    ]);
  });

  it('still refuses a second bundle of a loaded name without replace, and loads a new one with it', async () => {
    const host = createHost();
    await host.loadBundle(bundle('1.0.0', counter(1)));
    await expect(host.loadBundle(bundle('1.0.1', counter(1)))).rejects.toThrow('local@1.0.1: local@1.0.0 is already loaded');
    await host.unload('local');
    expect((await host.loadBundle(bundle('1.0.1', counter(1)), { replace: true })).version).toBe('1.0.1');
  });
});
