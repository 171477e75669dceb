import { describe, expect, it } from 'vitest';
import { isCompatibilityError, isDependencyCycleError, isRegistryError, isResolveError } from '../../../src/core/errors/index.js';
import { createHost } from '../../../src/core/host/create.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { expireDocument, loadCached, publish, setup } from './fixture.js';

const documentRequests = (requests: Request[], name: string) => requests.filter((r) => new URL(r.url).pathname === `/v1/plugins/${encodeURIComponent(name)}`);

describe('host: resolution against the registry', () => {
  it('picks the highest matching version, honouring yanks and tags', async () => {
    const { registry, host: makeHost } = setup();
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '2.0.0']) {
      await publish(registry, 'pick', version, `export function execute() { return '${version}'; }`);
    }
    registry.yank('pick', '1.2.0');
    expect((await makeHost().load('pick@^1')).version).toBe('1.1.0');
    expect((await makeHost().load('pick@1.2.0')).version).toBe('1.2.0');
    expect((await makeHost().load('pick')).version).toBe('2.0.0');
  });

  it('says which versions exist when nothing matches', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'few', '1.0.0', `export function execute() {}`);
    await publish(registry, 'few', '1.5.0', `export function execute() {}`);
    const error = await makeHost()
      .load('few@^3')
      .catch((e: unknown) => e);
    expect(isResolveError(error)).toBe(true);
    expect((error as Error).message).toBe('few: no version matches "^3" (available: 1.0.0, 1.5.0)');
  });

  it('skips versions the host API cannot run, and names both when none can', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'needs', '1.0.0', `export function execute() { return 1; }`, { engines: { host: '^1.0.0' } });
    await publish(registry, 'needs', '1.1.0', `export function execute() { return 2; }`, { engines: { host: '^2.0.0' } });
    expect((await makeHost({ hostVersion: '1.4.0' }).load('needs@^1')).version).toBe('1.0.0');
    const error = await makeHost({ hostVersion: '3.0.0' })
      .load('needs@^1')
      .catch((e: unknown) => e);
    expect(isCompatibilityError(error)).toBe(true);
    expect((error as Error).message).toContain('3.0.0');
    expect((error as Error).message).toContain('needs@1.1.0');
  });

  it('revalidates the cached document with its ETag once it is no longer fresh', async () => {
    const { registry, documents, host: makeHost } = setup();
    await publish(registry, 'etag', '1.0.0', `export function execute() {}`);
    await loadCached(makeHost(), 'etag');
    await expireDocument(documents, registry.url, 'etag');
    await loadCached(makeHost(), 'etag');
    const [first, second, third] = documentRequests(registry.requests, 'etag');
    expect(first!.headers.get('if-none-match')).toBeNull();
    expect(second!.headers.get('if-none-match')).toMatch(/^".+"$/);
    // The 304 carried max-age=30 again: the next load uses the cached copy without asking.
    await loadCached(makeHost(), 'etag');
    expect(third).toBeUndefined();
    expect(documentRequests(registry.requests, 'etag')).toHaveLength(2);
  });

  it('fails with a RegistryError for a plugin the registry does not have', async () => {
    const { host: makeHost } = setup();
    const error = await makeHost()
      .load('missing')
      .catch((e: unknown) => e);
    expect(isRegistryError(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, plugin: 'missing' });
  });
});

describe('host: offline', () => {
  it('loads a cached plugin when the registry is unreachable, and says so for a never-seen one', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'cached', '1.0.0', `export function execute() { return 'from cache'; }`);
    const first = makeHost();
    await first.load('cached@^1');
    await first.settled();
    registry.intercept(() => {
      throw new TypeError('fetch failed');
    });
    const host = makeHost();
    await host.load('cached@^1');
    expect(await host.execute('cached')).toBe('from cache');
    const error = await host.load('never-seen').catch((e: unknown) => e);
    expect(isRegistryError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^never-seen: the registry at http:\/\/registry\.test is unreachable and this plugin is not cached/);
  });
});

describe('host: offline without waiting', () => {
  it('does not retry a registry that does not answer when a cached copy can serve', async () => {
    const { registry, cache, documents } = setup();
    await publish(registry, 'quick', '1.0.0', `export function execute() { return 'cached'; }`);
    const client = createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 2, retryDelayMs: 1 });
    const first = createHost({ registry: client, cache, documents });
    await first.load('quick');
    await first.settled();
    await expireDocument(documents, registry.url, 'quick');
    let attempts = 0;
    registry.intercept(() => {
      attempts += 1;
      throw new TypeError('fetch failed');
    });
    const host = createHost({ registry: client, cache, documents });
    await host.load('quick');
    expect(await host.execute('quick')).toBe('cached');
    expect(attempts).toBe(1);
    await expect(host.load('uncached')).rejects.toThrow(/unreachable and this plugin is not cached/);
    expect(attempts).toBe(1 + 3);
  });
});

describe('host: dependencies', () => {
  it('loads dependencies first, each once', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'base', '1.0.0', `export function execute() { return 'base'; }`);
    await publish(registry, 'left', '1.0.0', `export function execute() {}`, { dependencies: { base: '^1' } });
    await publish(registry, 'right', '1.0.0', `export function execute() {}`, { dependencies: { base: '^1' } });
    await publish(registry, 'top', '1.0.0', `export function execute() {}`, { dependencies: { left: '^1', right: '^1' } });
    const host = makeHost();
    const order: string[] = [];
    host.on('loaded', ({ plugin }) => order.push(plugin.name));
    await host.load('top');
    expect(order).toEqual(['base', 'left', 'right', 'top']);
    expect(
      host
        .list()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['base', 'left', 'right', 'top']);
  });

  it("loads a local bundle's dependencies from the registry first", async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'shared', '1.2.0', `export function execute() { return 'shared'; }`);
    const host = makeHost();
    const local = await host.loadBundle({
      manifest: { name: 'local', version: '0.1.0', source: { mode: 'esm', path: 'index.js' }, dependencies: { shared: '^1' } },
      bytes: new TextEncoder().encode(`export function execute() { return 'local'; }`),
      location: '/plugins/local',
    });
    expect(local.origin).toEqual({ kind: 'local', location: '/plugins/local' });
    expect(host.get('shared')?.version).toBe('1.2.0');
    expect(await host.execute('local')).toBe('local');
  });

  it('refuses a dependency cycle and names it', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'ping', '1.0.0', `export function execute() {}`, { dependencies: { pong: '^1' } });
    await publish(registry, 'pong', '1.0.0', `export function execute() {}`, { dependencies: { pang: '^1' } });
    await publish(registry, 'pang', '1.0.0', `export function execute() {}`, { dependencies: { ping: '^1' } });
    const host = makeHost();
    const error = await host.load('ping').catch((e: unknown) => e);
    expect(isDependencyCycleError(error)).toBe(true);
    expect((error as Error).message).toBe('dependency cycle: ping -> pong -> pang -> ping');
    expect(host.list()).toEqual([]);
  });

  it('does not deadlock when two loads of a cycle start at once', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'yin', '1.0.0', `export function execute() {}`, { dependencies: { yang: '^1' } });
    await publish(registry, 'yang', '1.0.0', `export function execute() {}`, { dependencies: { yin: '^1' } });
    const host = makeHost();
    const results = await Promise.allSettled([host.load('yin'), host.load('yang')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
