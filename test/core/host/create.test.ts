import { describe, expect, it } from 'vitest';
import {
  isDeadlineExceededError,
  isIntegrityError,
  isNotLoadedError,
  isPluginExecutionError,
  isPluginLoadError,
  isUnloadedError,
} from '../../../src/core/errors/index.js';
import type { HostEvents } from '../../../src/core/host/types.js';
import { publish, setup } from './fixture.js';

describe('host: load and execute', () => {
  it('loads a plugin, runs it with context values and the host API, and lists it', async () => {
    const { registry, host: makeHost } = setup();
    await publish(
      registry,
      'hello',
      '1.0.0',
      `export default { execute(ctx) { return ctx.host.greet(ctx.get('who')) + ' from ' + ctx.plugin.name + '@' + ctx.plugin.version; } };`,
    );
    const host = makeHost({ api: { greet: (who: string) => `hello ${who}` } });
    const loaded = await host.load('hello@^1');
    expect(loaded).toMatchObject({ name: 'hello', version: '1.0.0', origin: { kind: 'registry', range: '^1' } });
    expect(await host.execute('hello', { values: { who: 'you' } })).toBe('hello you from hello@1.0.0');
    expect(await host.get('hello')!.execute({ values: { who: 'me' } })).toBe('hello me from hello@1.0.0');
    expect(host.list().map((p) => `${p.name}@${p.version}`)).toEqual(['hello@1.0.0']);
  });

  it('accepts a plugin made of named exports', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'named', '1.0.0', `export async function execute(ctx) { return ctx.get('n') * 2; }`);
    const host = makeHost();
    await host.load('named');
    expect(await host.execute('named', { values: { n: 21 } })).toBe(42);
  });

  it('does the work once when the same plugin is loaded concurrently', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'once', '1.0.0', `globalThis.__onceImports = (globalThis.__onceImports ?? 0) + 1; export function execute() { return 'ok'; }`);
    const host = makeHost();
    const events: string[] = [];
    host.on('loaded', ({ plugin }) => events.push(plugin.version));
    const results = await Promise.all([host.load('once'), host.load('once'), host.load('once@^1'), host.load('once@1.0.0')]);
    expect(new Set(results.map((r) => r.version))).toEqual(new Set(['1.0.0']));
    const blobRequests = registry.requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/blobs/'));
    expect(blobRequests).toHaveLength(1);
    expect(events).toEqual(['1.0.0']);
    expect((globalThis as { __onceImports?: number }).__onceImports).toBe(1);
  });

  it('refuses a bundle that fails integrity: nothing cached, nothing imported', async () => {
    const { registry, cache, host: makeHost } = setup();
    const entry = await publish(registry, 'evil', '1.0.0', `globalThis.__evilImported = true; export function execute() {}`);
    registry.intercept((request) =>
      new URL(request.url).pathname === entry.dist.url
        ? new Response(`globalThis.__evilImported = true; export function execute() { return 'tampered'; }`, {
            headers: { 'content-type': 'application/octet-stream' },
          })
        : undefined,
    );
    const host = makeHost();
    const errors: HostEvents['error'][] = [];
    host.on('error', (event) => errors.push(event));
    const error = await host.load('evil').catch((e: unknown) => e);
    expect(isIntegrityError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^evil@1\.0\.0: sha256 of http:\/\/registry\.test\/v1\/blobs\/sha256\/[0-9a-f]+ does not match/);
    expect(await cache.list()).toEqual([]);
    expect((globalThis as { __evilImported?: boolean }).__evilImported).toBeUndefined();
    expect(host.get('evil')).toBeUndefined();
    expect(errors).toMatchObject([{ name: 'evil', phase: 'load' }]);
  });

  it('drops a corrupted cache entry and downloads the bundle again', async () => {
    const { registry, cache, host: makeHost } = setup();
    const entry = await publish(registry, 'fix', '1.0.0', `export function execute() { return 'good'; }`);
    await makeHost().load('fix');
    const tampering = {
      ...cache,
      get: async () => new TextEncoder().encode(`export function execute() { return 'tampered'; }`),
      put: (integrity: string, bytes: Uint8Array) => cache.put(integrity, bytes),
      delete: (integrity: string) => cache.delete(integrity),
      list: () => cache.list(),
      prune: (o: { maxBytes: number }) => cache.prune(o),
      has: (integrity: string) => cache.has(integrity),
    };
    const host = makeHost({ cache: tampering });
    await host.load('fix');
    expect(await host.execute('fix')).toBe('good');
    const downloads = registry.requests.filter((r) => new URL(r.url).pathname === entry.dist.url);
    expect(downloads).toHaveLength(2);
  });

  it('refuses a module without an execute function, naming what it exports', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'shapeless', '1.0.0', `export const run = () => 1; export default { name: 'x' };`);
    const error = await makeHost()
      .load('shapeless')
      .catch((e: unknown) => e);
    expect(isPluginLoadError(error)).toBe(true);
    expect((error as Error).message).toBe(
      'shapeless@1.0.0: the module has no execute function (it exports default, run); export default definePlugin({ execute }) or export function execute(ctx)',
    );
  });

  it('reports a bundle that throws at import as PluginLoadError with the cause', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'boom', '2.0.0', `throw new Error('kaboom'); export function execute() {}`);
    const error = await makeHost()
      .load('boom')
      .catch((e: unknown) => e);
    expect(isPluginLoadError(error)).toBe(true);
    expect((error as Error).message).toBe('boom@2.0.0: import failed: Error: kaboom');
  });

  it('wraps what execute throws in PluginExecutionError, keeping the cause', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'thrower', '1.0.0', `export function execute() { throw new TypeError('bad input'); }`);
    const host = makeHost();
    await host.load('thrower');
    const error = await host.execute('thrower').catch((e: unknown) => e);
    expect(isPluginExecutionError(error)).toBe(true);
    expect((error as Error).message).toBe('thrower@1.0.0: execute failed: bad input');
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('enforces a deadline even when the plugin ignores its signal', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'slow', '1.0.0', `export function execute() { return new Promise(() => {}); }`);
    const host = makeHost();
    await host.load('slow');
    const error = await host.execute('slow', { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(isDeadlineExceededError(error)).toBe(true);
  });

  it("follows the caller's signal", async () => {
    const { registry, host: makeHost } = setup();
    await publish(
      registry,
      'waiter',
      '1.0.0',
      `export function execute(ctx) { return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))); }`,
    );
    const host = makeHost();
    await host.load('waiter');
    const controller = new AbortController();
    const call = host.execute('waiter', { signal: controller.signal });
    controller.abort();
    expect(await call.catch((e: unknown) => e)).toBe(controller.signal.reason);
    const reasoned = new AbortController();
    const second = host.execute('waiter', { signal: reasoned.signal });
    reasoned.abort(new Error('user left'));
    expect(((await second.catch((e: unknown) => e)) as Error).message).toBe('user left');
  });

  it('cancels a call whose caller signal has already aborted, without running the plugin', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'never', '1.0.0', `export function execute() { globalThis.__neverRan = true; }`);
    const host = makeHost();
    await host.load('never');
    const error = await host.execute('never', { signal: AbortSignal.abort(new Error('gone')) }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('gone');
    expect((globalThis as { __neverRan?: boolean }).__neverRan).toBeUndefined();
  });
});

describe('host: lifecycle', () => {
  it('calls activate on load; unload aborts running calls with UnloadedError, then deactivates', async () => {
    const { registry, host: makeHost } = setup();
    await publish(
      registry,
      'life',
      '1.0.0',
      `const log = globalThis.__life = [];
       export default {
         activate(ctx) { log.push('activate'); },
         execute(ctx) { log.push('execute'); globalThis.__lifeStarted(); return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => { log.push('aborted'); reject(ctx.signal.reason); })); },
         deactivate(ctx) { log.push('deactivate'); },
       };`,
    );
    const host = makeHost();
    const seen: string[] = [];
    for (const event of ['loading', 'activated', 'loaded', 'deactivated', 'unloaded'] as const) {
      host.on(event, () => seen.push(event));
    }
    await host.load('life');
    const started = new Promise<void>((resolve) => ((globalThis as { __lifeStarted?: () => void }).__lifeStarted = resolve));
    const call = host.execute('life').catch((e: unknown) => e);
    await started;
    await host.unload('life');
    const error = await call;
    expect(isUnloadedError(error)).toBe(true);
    expect((error as Error).message).toBe('life@1.0.0 was unloaded');
    expect((globalThis as { __life?: string[] }).__life).toEqual(['activate', 'execute', 'aborted', 'deactivate']);
    expect(seen).toEqual(['loading', 'activated', 'loaded', 'deactivated', 'unloaded']);
    expect(host.get('life')).toBeUndefined();
    expect(isNotLoadedError(await host.execute('life').catch((e: unknown) => e))).toBe(true);
  });

  it('refuses to load a version that conflicts with the one already loaded', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'pinned', '1.0.0', `export function execute() { return 1; }`);
    await publish(registry, 'pinned', '2.0.0', `export function execute() { return 2; }`);
    const host = makeHost();
    await host.load('pinned@^1');
    expect((await host.load('pinned@1')).version).toBe('1.0.0');
    await expect(host.load('pinned@^2')).rejects.toThrow('pinned@^2: pinned@1.0.0 is already loaded and does not satisfy "^2"');
  });

  it('closes every plugin', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'a', '1.0.0', `export function execute() {}`);
    await publish(registry, 'b', '1.0.0', `export function execute() {}`);
    const host = makeHost();
    await host.load('a');
    await host.load('b');
    await host.close();
    expect(host.list()).toEqual([]);
  });
});
