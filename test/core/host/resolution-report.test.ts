/**
 * What a host says about the versions it resolves: a dependency that cannot
 * be resolved is named with the plugin and version that asked for it, and
 * the newer versions `engines.host` refused are listed in the `loaded` event
 * (`skipped`) and in a debug line.
 */
import { describe, expect, it } from 'vitest';
import type { HostEvents } from '../../../src/core/host/create.js';
import { publish, setup } from './fixture.js';

describe('dependency resolution errors and engines', () => {
  it('names the plugin and version that asked for a dependency no version satisfies', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'md-render', '0.1.0', `export function execute() {}`);
    await publish(registry, 'needs-newer', '0.1.0', `export function execute() {}`, { dependencies: { 'md-render': '^2' } });
    await publish(registry, 'needs-ghost', '0.1.0', `export function execute() {}`, { dependencies: { ghost: '^1' } });
    const host = makeHost();
    await expect(host.load('needs-newer')).rejects.toMatchObject({
      name: 'ResolveError',
      message: 'needs-newer@0.1.0 requires md-render@^2: no version matches (available: 0.1.0)',
    });
    await expect(host.load('needs-ghost')).rejects.toMatchObject({
      name: 'ResolveError',
      message: `needs-ghost@0.1.0 requires ghost@^1: ghost is not published on ${registry.url}`,
    });
  });

  it('reports in the loaded event and a debug line the newer versions engines.host refused', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'eng', '1.0.0', `export function execute() {}`, { engines: { host: '^1.0.0' } });
    await publish(registry, 'eng', '1.1.0', `export function execute() {}`, { engines: { host: '^2.0.0' } });
    await publish(registry, 'eng', '1.2.0', `export function execute() {}`, { engines: { host: '>=3' } });
    const debug: string[] = [];
    const log = { debug: (...args: unknown[]) => debug.push(args.join(' ')), info() {}, warn() {}, error() {} };
    const host = makeHost({ hostVersion: '1.5.0', log });
    const loaded = new Promise<HostEvents['loaded']>((resolve) => host.on('loaded', resolve));
    await host.load('eng@^1');
    expect((await loaded).skipped).toEqual([
      { version: '1.2.0', reason: 'needs host >=3, this host is 1.5.0' },
      { version: '1.1.0', reason: 'needs host ^2.0.0, this host is 1.5.0' },
    ]);
    expect(debug).toEqual(['eng@^1: skipped 1.2.0 (needs host >=3, this host is 1.5.0), 1.1.0 (needs host ^2.0.0, this host is 1.5.0); loading 1.0.0']);
    const plain = makeHost();
    const unskipped = new Promise<HostEvents['loaded']>((resolve) => plain.on('loaded', resolve));
    await plain.load('eng@^1');
    expect((await unskipped).skipped).toBeUndefined();
  });
});
