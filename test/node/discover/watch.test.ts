/**
 * host.loadDir(dir, { watch: true }) on a real temporary directory: add,
 * edit, break, fix and delete steps, each awaited through the host's `watch`
 * and `error` events (never a sleep). State is handed from the old version
 * to the new one on every reload, and a broken edit keeps the last good
 * version serving.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostEvents } from '../../../src/core/host/create.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import type { NodePluginHost } from '../../../src/node/host.js';
import type { DirChange } from '../../../src/node/discover/watch.js';
import { createRegistryDouble } from '../../core/registry/double.js';
import { manifest, nodeHost, plgBytes, tempDir, writeTree } from '../helpers.js';

/** A counting plugin that hands its count to the next version and tags its answers. */
function counter(tag: string): string {
  return `let count = 0;
export default {
  activate(ctx, state) { count = state?.count ?? 0; },
  execute() { count += 1; return ${JSON.stringify(tag)} + ':' + count; },
  deactivate() { return { count }; },
};
`;
}

/** Resolves with the first `watch` report that satisfies `accept`. */
function nextWatch(host: NodePluginHost, accept: (change: DirChange) => boolean): Promise<DirChange> {
  return new Promise((resolve) => {
    const off = host.on('watch', (change) => {
      if (!accept(change)) return;
      off();
      resolve(change);
    });
  });
}

/** Replaces a file the way editors save: a whole new file renamed over the old one. */
async function save(path: string, content: string): Promise<void> {
  await writeFile(`${path}.saving`, content);
  await rename(`${path}.saving`, path);
}

/** Writes a plugin folder elsewhere and renames it into `base`, so the watcher never sees it half-written. */
async function addFolder(base: string, staging: string, name: string, files: Record<string, string>): Promise<void> {
  await writeTree(join(staging, name), files);
  await rename(join(staging, name), join(base, name));
}

describe('host.loadDir with watch', () => {
  it('follows add, edit, break, fix and delete steps, keeping the last good version through a broken edit', async () => {
    const base = await tempDir();
    const staging = await tempDir();
    await writeTree(base, { 'alpha/plugin.json': JSON.stringify(manifest('alpha')), 'alpha/dist/index.js': counter('alpha-1') });
    const host = await nodeHost();
    const errors: HostEvents['error'][] = [];
    host.on('error', (event) => errors.push(event));
    const watched = await host.loadDir(base, { watch: true, debounceMs: 20 });
    expect(watched.loaded.map((p) => p.name)).toEqual(['alpha']);
    expect(watched.failed).toEqual([]);
    expect(await host.execute('alpha')).toBe('alpha-1:1');

    // add: a folder and a .plg package
    let change = nextWatch(host, (c) => c.added.length > 0);
    await addFolder(base, staging, 'beta', { 'plugin.json': JSON.stringify(manifest('beta')), 'dist/index.js': counter('beta-1') });
    expect((await change).added.map((p) => p.name)).toEqual(['beta']);
    expect(await host.execute('beta')).toBe('beta-1:1');
    change = nextWatch(host, (c) => c.added.length > 0);
    await writeFile(join(staging, 'gamma.plg'), await plgBytes({ 'plugin.json': JSON.stringify(manifest('gamma')), 'dist/index.js': counter('gamma') }));
    await rename(join(staging, 'gamma.plg'), join(base, 'gamma.plg'));
    expect((await change).added).toMatchObject([{ name: 'gamma', origin: { kind: 'local', location: join(base, 'gamma.plg') } }]);

    // edit: a new bundle and version; the count is handed over
    const seen: string[] = [];
    for (const name of ['loading', 'deactivated', 'activated', 'upgraded', 'retired'] as const) host.on(name, () => void seen.push(name));
    // (two files: a pass may see the bundle before plugin.json, so wait for the version)
    change = nextWatch(host, (c) => c.reloaded.some((r) => r.to === '1.1.0'));
    await save(join(base, 'alpha', 'dist', 'index.js'), counter('alpha-2'));
    await save(join(base, 'alpha', 'plugin.json'), JSON.stringify(manifest('alpha', '1.1.0')));
    expect((await change).reloaded).toMatchObject([{ name: 'alpha', to: '1.1.0', location: join(base, 'alpha') }]);
    expect(await host.execute('alpha')).toBe('alpha-2:2');
    expect(seen.slice(0, 4)).toEqual(['loading', 'deactivated', 'activated', 'upgraded']);

    // break: a syntax error in alpha's bundle, invalid JSON in beta's plugin.json
    change = nextWatch(host, (c) => c.failed.length > 0);
    await save(join(base, 'alpha', 'dist', 'index.js'), 'export default {');
    const broken = await change;
    expect(broken.failed.map((f) => f.location)).toEqual([join(base, 'alpha')]);
    expect(broken.failed[0]!.error.message).toMatch(/alpha@1\.1\.0: import failed/);
    expect(errors).toMatchObject([{ name: 'alpha', version: '1.1.0', location: join(base, 'alpha'), phase: 'reload' }]);
    expect(await host.execute('alpha')).toBe('alpha-2:3');
    change = nextWatch(host, (c) => c.failed.length > 0);
    await save(join(base, 'beta', 'plugin.json'), '{ "name": "beta",');
    expect((await change).failed[0]!.error.message).toMatch(/beta\/plugin\.json is not valid JSON/);
    expect(errors[1]).toMatchObject({ name: 'beta', location: join(base, 'beta'), phase: 'watch' });
    expect(await host.execute('beta')).toBe('beta-1:2');

    // fix: both come back, with their state
    change = nextWatch(host, (c) => c.reloaded.some((r) => r.name === 'alpha'));
    await save(join(base, 'alpha', 'dist', 'index.js'), counter('alpha-3'));
    await change;
    expect(await host.execute('alpha')).toBe('alpha-3:4');
    change = nextWatch(host, (c) => c.reloaded.some((r) => r.name === 'beta'));
    await save(join(base, 'beta', 'plugin.json'), JSON.stringify(manifest('beta', '1.0.1')));
    await change;
    expect(host.get('beta')!.version).toBe('1.0.1');
    expect(await host.execute('beta')).toBe('beta-1:3');

    // delete: the folder and the package
    const unloaded: string[] = [];
    host.on('unloaded', ({ name }) => void unloaded.push(name));
    change = nextWatch(host, (c) => c.removed.length > 0);
    await rm(join(base, 'beta'), { recursive: true });
    expect((await change).removed).toEqual([{ name: 'beta', version: '1.0.1', location: join(base, 'beta') }]);
    change = nextWatch(host, (c) => c.removed.length > 0);
    await rm(join(base, 'gamma.plg'));
    expect((await change).removed).toMatchObject([{ name: 'gamma' }]);
    expect(unloaded).toEqual(['beta', 'gamma']);
    expect(host.list().map((p) => p.name)).toEqual(['alpha']);
    expect(errors).toHaveLength(2);

    await host.close();
    expect(host.list()).toEqual([]);
  });

  it('loads a plugin that failed at first once what it lacked arrives, and reports a failure once', async () => {
    const base = await tempDir();
    const staging = await tempDir();
    await writeTree(base, {
      'app/plugin.json': JSON.stringify(manifest('app', '1.0.0', { dependencies: { lib: '^1.0.0' } })),
      'app/dist/index.js': counter('app'),
    });
    const host = await nodeHost();
    const watched = await host.loadDir(base, { watch: true, debounceMs: 20 });
    expect(watched.failed[0]!.error.message).toMatch(/depends on lib@\^1\.0\.0, which is not in/);
    const reports: DirChange[] = [];
    host.on('watch', (change) => void reports.push(change));
    const change = nextWatch(host, (c) => c.added.length > 0);
    await addFolder(base, staging, 'lib', { 'plugin.json': JSON.stringify(manifest('lib')), 'dist/index.js': counter('lib') });
    expect((await change).added.map((p) => p.name).sort()).toEqual(['app', 'lib']);
    expect(reports.flatMap((r) => r.failed)).toEqual([]);
    await watched.close();
    expect(
      host
        .list()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['app', 'lib']);
    await host.close();
  });

  it('debounces a burst of writes into one reload', async () => {
    const base = await tempDir();
    await writeTree(base, { 'busy/plugin.json': JSON.stringify(manifest('busy')), 'busy/dist/index.js': counter('busy-0') });
    const host = await nodeHost();
    await host.loadDir(base, { watch: true, debounceMs: 200 });
    const upgrades: HostEvents['upgraded'][] = [];
    host.on('upgraded', (event) => void upgrades.push(event));
    const change = nextWatch(host, (c) => c.reloaded.length > 0);
    for (let i = 1; i <= 5; i += 1) await save(join(base, 'busy', 'dist', 'index.js'), counter(`busy-${i}`));
    await change;
    expect(upgrades).toHaveLength(1);
    expect(await host.execute('busy')).toBe('busy-5:1');
    await host.close();
  });

  it('passes autoUpdate through to the core host, next to a watched directory', async () => {
    const registry = createRegistryDouble();
    await registry.publish(manifest('remote', '1.0.0'), counter('remote-1'));
    let check: (() => void) | undefined;
    const host = await nodeHost({
      registry: createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 0 }),
      autoUpdate: { intervalMs: 3_600_000, trigger: (run) => void (check = run) },
    });
    const base = await tempDir();
    await writeTree(base, { 'local/plugin.json': JSON.stringify(manifest('local')), 'local/dist/index.js': counter('local') });
    await host.loadDir(base, { watch: true, debounceMs: 20 });
    await host.load('remote@^1');
    await registry.publish(manifest('remote', '1.1.0'), counter('remote-2'));
    const checked = new Promise<HostEvents['checked']>((resolve) => host.on('checked', resolve));
    check!();
    expect(await checked).toMatchObject({ upgraded: [{ name: 'remote', from: '1.0.0', to: '1.1.0' }], failed: [] });
    expect(await host.execute('remote')).toBe('remote-2:1');
    await host.close();
  });

  it('refuses a directory it cannot read', async () => {
    const host = await nodeHost();
    await expect(host.loadDir(join(await tempDir(), 'missing'), { watch: true })).rejects.toThrow(/ENOENT/);
    await host.close();
  });
});
