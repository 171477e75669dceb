/**
 * ctx.plugins in the host's realm: a plugin reaches the exported `api` and
 * the entry of the plugins it declares in its `dependencies`, and nothing
 * else; what it gets lasts one call (what it registered is undone, the API
 * refuses later calls); the caller's deadline and signal reach the
 * dependency; after an upgrade of the dependency the next call sees the new
 * version, and an upgrade a dependent's range refuses is refused.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, UsageError } from '../../../src/core/errors/index.js';
import { publish, setup } from './fixture.js';

const MD_RENDER = (tag: string) => `
  const listeners = new Set();
  export const api = {
    render(text) { return '<${tag}>' + text + '</${tag}>'; },
    on(listener) { listeners.add(listener); return () => listeners.delete(listener); },
    listeners() { return listeners.size; },
  };
  export async function execute(ctx) {
    if (ctx.get('wait')) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    ctx.throwIfAborted();
    return { text: ctx.get('text'), caller: ctx.get('who') ?? null, label: ctx.label ?? null };
  }`;

const APP = `
  export async function execute(ctx) {
    const md = ctx.plugins.get('md-render');
    if (ctx.get('keep')) globalThis.__keptApi = md;
    if (ctx.get('subscribe')) md.on(() => {});
    return { html: await md.render(ctx.get('text') ?? 'hi'), listeners: md.listeners(), same: md === ctx.plugins.get('md-render') };
  }`;

async function withApp() {
  const fixture = setup();
  await publish(fixture.registry, 'md-render', '1.0.0', MD_RENDER('h1'));
  await publish(fixture.registry, 'app', '1.0.0', APP, { dependencies: { 'md-render': '^1' } });
  await publish(fixture.registry, 'md-render', '2.0.0', MD_RENDER('h2'));
  return fixture;
}

describe('ctx.plugins.get', () => {
  it("returns the dependency's exported api, the same object within one call", async () => {
    const { host: makeHost } = await withApp();
    const host = makeHost();
    await host.load('app');
    expect(host.get('md-render')?.version).toBe('1.0.0');
    await expect(host.execute('app', { values: { text: 'yo' } })).resolves.toEqual({ html: '<h1>yo</h1>', listeners: 0, same: true });
    await host.close();
  });

  it('undoes what the caller registered when its call ends, and refuses the api afterwards', async () => {
    const { host: makeHost } = await withApp();
    const host = makeHost();
    await host.load('app');
    await expect(host.execute('app', { values: { subscribe: true, keep: true } })).resolves.toMatchObject({ listeners: 1 });
    await expect(host.execute('app')).resolves.toMatchObject({ listeners: 0 });
    const kept = (globalThis as { __keptApi?: { render(text: string): string } }).__keptApi!;
    expect(() => kept.render('late')).toThrow(UsageError);
    expect(() => kept.render('late')).toThrow('app@1.0.0: the API of md-render@1.0.0 was used after the call that got it ended');
    await host.close();
  });

  it('refuses a name the plugin does not declare, naming both plugins', async () => {
    const { registry, host: makeHost } = await withApp();
    await publish(registry, 'nosy', '1.0.0', `export function execute(ctx) { return ctx.plugins.get('app'); }`, { dependencies: { 'md-render': '^1' } });
    await publish(registry, 'loner', '1.0.0', `export function execute(ctx) { return ctx.plugins.execute('md-render'); }`);
    const host = makeHost();
    await host.load('app');
    await host.load('nosy');
    await host.load('loner');
    await expect(host.execute('nosy')).rejects.toThrow('nosy@1.0.0: ctx.plugins.get: app is not among the dependencies nosy@1.0.0 declares (md-render)');
    await expect(host.execute('loner')).rejects.toThrow('loner@1.0.0: ctx.plugins: md-render is not among its dependencies');
    await host.close();
  });

  it('says when the dependency exports no api', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'plain', '1.0.0', `export function execute() { return 1; }`);
    await publish(registry, 'user', '1.0.0', `export function execute(ctx) { return ctx.plugins.get('plain'); }`, { dependencies: { plain: '^1' } });
    const host = makeHost();
    await host.load('user');
    await expect(host.execute('user')).rejects.toThrow('user@1.0.0: ctx.plugins.get("plain"): plain@1.0.0 exports no api');
    await host.close();
  });

  it('takes the api from definePlugin({ api }) and refuses an api that is not an object', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'defined', '1.0.0', `export default { execute() {}, api: { twice: (n) => n * 2 } };`);
    await publish(registry, 'user', '1.0.0', `export function execute(ctx) { return ctx.plugins.get('defined').twice(21); }`, {
      dependencies: { defined: '^1' },
    });
    await publish(registry, 'broken', '1.0.0', `export const api = 42; export function execute() {}`);
    const host = makeHost();
    await host.load('user');
    await expect(host.execute('user')).resolves.toBe(42);
    await expect(host.load('broken')).rejects.toMatchObject({
      name: 'PluginLoadError',
      message: 'broken@1.0.0: export api is number, expected an object of functions',
    });
    await host.close();
  });
});

describe('ctx.plugins.execute', () => {
  it("runs the dependency's entry with the values given, not the caller's", async () => {
    const { registry, host: makeHost } = await withApp();
    await publish(
      registry,
      'caller',
      '1.0.0',
      `export function execute(ctx) { return ctx.plugins.execute('md-render', { values: { text: ctx.get('text') }, label: 'GET /md' }); }`,
      { dependencies: { 'md-render': '^1' } },
    );
    const host = makeHost();
    await host.load('caller');
    await expect(host.execute('caller', { values: { text: 'x', who: 'outer' } })).resolves.toEqual({ text: 'x', caller: null, label: 'GET /md' });
    await host.close();
  });

  it("aborts the dependency's call at the caller's deadline and with the signal it passes", async () => {
    const { registry, host: makeHost } = await withApp();
    await publish(
      registry,
      'caller',
      '1.0.0',
      `export async function execute(ctx) {
        if (ctx.get('deadline')) return ctx.plugins.execute('md-render', { values: { wait: true } });
        const controller = new AbortController();
        const running = ctx.plugins.execute('md-render', { values: { wait: true }, timeoutMs: 60000, signal: controller.signal });
        controller.abort(new Error('stopped by the caller'));
        return running.then(() => 'finished', (error) => error.message);
      }`,
      { dependencies: { 'md-render': '^1' } },
    );
    const host = makeHost();
    await host.load('caller');
    await expect(host.execute('caller')).resolves.toBe('stopped by the caller');
    const error = await host.execute('caller', { values: { deadline: true }, timeoutMs: 50 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    await host.close();
  });
});

describe('ctx.plugins through upgrades', () => {
  it('sees the new version of the dependency after it was upgraded', async () => {
    const { registry, host: makeHost } = await withApp();
    const host = makeHost();
    await host.load('app');
    await publish(registry, 'md-render', '1.1.0', MD_RENDER('h3'));
    expect((await host.upgrade('md-render')).version).toBe('1.1.0');
    await expect(host.execute('app', { values: { text: 'new' } })).resolves.toMatchObject({ html: '<h3>new</h3>' });
    await host.close();
  });

  it("refuses an upgrade of a dependency to a version outside a loaded dependent's range, and its unload", async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'lib', '1.0.0', `export const api = { v: () => 1 }; export function execute() {}`);
    await publish(registry, 'user', '1.0.0', `export function execute(ctx) { return ctx.plugins.get('lib').v(); }`, { dependencies: { lib: '^1' } });
    const host = makeHost();
    await host.load('lib@*');
    await host.load('user');
    await publish(registry, 'lib', '2.0.0', `export const api = { v: () => 2 }; export function execute() {}`);
    await expect(host.upgrade('lib')).rejects.toMatchObject({
      name: 'PluginLoadError',
      message: 'lib: the upgrade to 2.0.0 is refused: user@1.0.0 requires lib@^1; unload that plugin or upgrade it to versions that accept lib@2.0.0 first',
    });
    await expect(host.unload('lib')).rejects.toThrow('lib: user depends on it');
    await expect(host.execute('user')).resolves.toBe(1);
    await host.unload('user');
    expect((await host.upgrade('lib')).version).toBe('2.0.0');
    await host.close();
  });
});

describe('ctx.plugins and the lifecycle of the dependency', () => {
  it('lets a call finish on the version it got while an upgrade retires it', async () => {
    const { registry, host: makeHost } = await withApp();
    await publish(
      registry,
      'slow-app',
      '1.0.0',
      `export async function execute(ctx) {
        const md = ctx.plugins.get('md-render');
        await ctx.host.park();
        return md.render('late');
      }`,
      { dependencies: { 'md-render': '^1' } },
    );
    let resume!: () => void;
    let parked!: () => void;
    const isParked = new Promise<void>((resolve) => (parked = resolve));
    const api = {
      park: () =>
        new Promise<void>((resolve) => {
          resume = resolve;
          parked();
        }),
    };
    const host = makeHost({ api });
    await host.load('slow-app');
    const retired: string[] = [];
    host.on('retired', ({ name, version }) => retired.push(`${name}@${version}`));
    const running = host.execute('slow-app');
    await isParked;
    await publish(registry, 'md-render', '1.1.0', MD_RENDER('h3'));
    await host.upgrade('md-render');
    expect(retired).toEqual([]);
    const retiredNow = new Promise<void>((resolve) => host.on('retired', () => resolve()));
    resume();
    await expect(running).resolves.toBe('<h1>late</h1>');
    await retiredNow;
    expect(retired).toEqual(['md-render@1.0.0']);
    await host.close();
  });

  it('says which dependency is missing after a forced unload', async () => {
    const { host: makeHost } = await withApp();
    const host = makeHost();
    await host.load('app');
    await host.unload('md-render', { force: true });
    await expect(host.execute('app')).rejects.toMatchObject({ name: 'NotLoadedError', message: 'app@1.0.0 requires md-render@^1: md-render is not loaded' });
    await host.close();
  });

  it("refuses a reload of a dependency to a version outside a loaded dependent's range", async () => {
    const { host: makeHost } = setup();
    const host = makeHost();
    const bundle = (name: string, version: string, code: string, manifest: Record<string, unknown> = {}) => ({
      manifest: { name, version, source: { mode: 'esm', path: 'index.js' }, ...manifest },
      bytes: new TextEncoder().encode(code),
      location: `test/${name}`,
    });
    await host.loadBundle(bundle('lib', '1.0.0', `export const api = { v: () => 1 }; export function execute() {}`));
    await host.loadBundle(bundle('user', '1.0.0', `export function execute(ctx) { return ctx.plugins.get('lib').v(); }`, { dependencies: { lib: '^1' } }));
    await expect(host.loadBundle(bundle('lib', '2.0.0', `export const api = { v: () => 2 }; export function execute() {}`), { replace: true })).rejects.toThrow(
      'lib: the reload to 2.0.0 is refused: user@1.0.0 requires lib@^1',
    );
    await host.loadBundle(bundle('lib', '1.0.1', `export const api = { v: () => 101 }; export function execute() {}`), { replace: true });
    await expect(host.execute('user')).resolves.toBe(101);
    await host.close();
  });

  it('gives activate and deactivate the dependencies too', async () => {
    const { registry, host: makeHost } = await withApp();
    await publish(
      registry,
      'hooked',
      '1.0.0',
      `let rendered;
      export default {
        activate(ctx) { rendered = ctx.plugins.get('md-render').render('on'); },
        execute() { return rendered; },
        deactivate(ctx) { globalThis.__offRendered = ctx.plugins.get('md-render').render('off'); },
      };`,
      { dependencies: { 'md-render': '^1' } },
    );
    const host = makeHost();
    await host.load('hooked');
    await expect(host.execute('hooked')).resolves.toBe('<h1>on</h1>');
    await host.unload('hooked');
    expect((globalThis as { __offRendered?: string }).__offRendered).toBe('<h1>off</h1>');
    await host.close();
  });
});
