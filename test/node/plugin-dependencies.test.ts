/**
 * ctx.plugins across worker isolation, with real worker_threads workers: a
 * dependent and its dependency each in the host's realm or in a worker of
 * its own (the four pairs) — the dependency's exported api and its entry
 * are reached, values and results cross, undeclared names are refused, the
 * api stops working when the call that got it ends, the caller's deadline
 * reaches the dependency, and after an upgrade of the dependency the next
 * call sees the new version.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PluginHost } from '../../src/core/host/create.js';
import type { Isolation } from '../../src/core/isolation/types.js';
import { createNodeWorkerSpawner } from '../../src/node/worker-spawner.js';
import { publish, setup } from '../core/host/fixture.js';

const MD_RENDER = (tag: string) => `
  export const api = {
    render(text) { return '<${tag}>' + text + '</${tag}>'; },
    where: { realm: typeof process === 'object' && process.env ? 'node' : 'other' },
  };
  export async function execute(ctx) {
    if (ctx.get('wait')) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    ctx.throwIfAborted();
    return { text: ctx.get('text'), label: ctx.label ?? null, hasDeadline: ctx.deadline !== undefined };
  }`;

const APP = `
  let kept;
  export async function execute(ctx) {
    if (ctx.get('late')) {
      try { await kept.render('late'); return 'used'; } catch (error) { return error.message; }
    }
    if (ctx.get('deadline')) return ctx.plugins.execute('md-render', { values: { wait: true } });
    const md = ctx.plugins.get('md-render');
    kept = md;
    const html = await md.render(ctx.get('text'));
    const ran = await ctx.plugins.execute('md-render', { values: { text: 'entry' }, label: 'GET /md', timeoutMs: 10000 });
    let undeclared;
    try { ctx.plugins.get('other'); } catch (error) { undeclared = error.message; }
    return { html, ran, undeclared };
  }`;

const hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

const pairs: Array<[dependency: Isolation, dependent: Isolation]> = [
  ['none', 'worker'],
  ['worker', 'none'],
  ['worker', 'worker'],
  ['none', 'none'],
];

describe.each(pairs)('ctx.plugins: the dependency in isolation %s, the dependent in %s', (dependencyIsolation, dependentIsolation) => {
  async function loaded() {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'md-render', '1.0.0', MD_RENDER('h1'));
    await publish(registry, 'app', '1.0.0', APP, { dependencies: { 'md-render': '^1' } });
    const host = makeHost({ workers: createNodeWorkerSpawner() });
    hosts.push(host);
    await host.load('md-render', { isolation: dependencyIsolation });
    await host.load('app', { isolation: dependentIsolation });
    expect([host.get('md-render')?.isolation, host.get('app')?.isolation]).toEqual([dependencyIsolation, dependentIsolation]);
    return { registry, host };
  }

  it("calls the dependency's api and entry, and refuses an undeclared name", async () => {
    const { host } = await loaded();
    await expect(host.execute('app', { values: { text: 'hi' } })).resolves.toEqual({
      html: '<h1>hi</h1>',
      ran: { text: 'entry', label: 'GET /md', hasDeadline: true },
      undeclared: 'app@1.0.0: ctx.plugins.get: other is not among the dependencies app@1.0.0 declares (md-render)',
    });
  });

  it('refuses the api once the call that got it has ended', async () => {
    const { host } = await loaded();
    await host.execute('app', { values: { text: 'hi' } });
    await expect(host.execute('app', { values: { late: true } })).resolves.toBe(
      'app@1.0.0: the API of md-render@1.0.0 was used after the call that got it ended; call ctx.plugins.get in each call',
    );
  });

  it("aborts the dependency's entry at the caller's deadline", async () => {
    const { host } = await loaded();
    await expect(host.execute('app', { values: { deadline: true }, timeoutMs: 200 })).rejects.toMatchObject({ name: 'DeadlineExceededError' });
  });

  it('sees the new version of the dependency after an upgrade', async () => {
    const { registry, host } = await loaded();
    await publish(registry, 'md-render', '1.1.0', MD_RENDER('h2'));
    expect((await host.upgrade('md-render')).version).toBe('1.1.0');
    expect(host.get('md-render')?.isolation).toBe(dependencyIsolation);
    await expect(host.execute('app', { values: { text: 'new' } })).resolves.toMatchObject({ html: '<h2>new</h2>' });
  });
});

describe('ctx.plugins: messages a worker forges', () => {
  it('refuses an undeclared name and a call that is not running, whatever the worker sends', async () => {
    const { registry, host: makeHost } = setup();
    await publish(registry, 'md-render', '1.0.0', MD_RENDER('h1'));
    await publish(registry, 'secret', '1.0.0', `export const api = { reveal: () => 'the secret' }; export function execute() {}`);
    await publish(
      registry,
      'forger',
      '1.0.0',
      `import { parentPort } from 'node:worker_threads';
      function ask(message) {
        return new Promise((resolve) => {
          const listener = (answer) => {
            if (answer?.type !== 'host-result' || answer.id !== message.id) return;
            parentPort.off('message', listener);
            resolve(answer.ok ? answer.value : answer.error.message);
          };
          parentPort.on('message', listener);
          parentPort.postMessage(message);
        });
      }
      export async function execute() {
        return [
          await ask({ type: 'plugin-call', id: 1e9, call: 1, name: 'secret', path: ['reveal'], args: [] }),
          await ask({ type: 'plugin-call', id: 1e9 + 1, call: 999, name: 'md-render', path: ['render'], args: ['x'] }),
          await ask({ type: 'plugin-execute', id: 1e9 + 2, call: 999, name: 'md-render' }),
        ];
      }`,
      { dependencies: { 'md-render': '^1' } },
    );
    const host = makeHost({ workers: createNodeWorkerSpawner() });
    hosts.push(host);
    await host.load('secret');
    await host.load('forger', { isolation: 'worker' });
    await expect(host.execute('forger')).resolves.toEqual([
      'forger@1.0.0: ctx.plugins.get: secret is not among the dependencies forger@1.0.0 declares (md-render)',
      'forger@1.0.0: ctx.plugins used outside a call that is running',
      'forger@1.0.0: ctx.plugins used outside a call that is running',
    ]);
  });
});
