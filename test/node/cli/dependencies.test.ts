/**
 * Plugins that use each other, end to end against a real registry on
 * 127.0.0.1 port 0: `b` exports an api, `a` declares `b` in its
 * dependencies and calls `ctx.plugins.get('b')` and
 * `ctx.plugins.execute('b', …)`. Both are published with `plughub publish`;
 * `plughub run a` (from the registry and from a's folder) loads b first and
 * prints what a returns; a Node host runs them in its realm and in workers,
 * and a's next call sees b's new version after `upgrade('b')`.
 */
import { join } from 'node:path';
import { createFsDocumentCache } from '../../../src/node/cache/document-cache.js';
import { expireDocument } from '../../core/host/fixture.js';
import { describe, expect, it } from 'vitest';
import type { Isolation } from '../../../src/core/isolation/types.js';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { nodeHost, tempDir, writeTree } from '../helpers.js';

/** The folder of plugin `b@version`: an api whose greeting names the version, and an entry. */
async function projectB(version: string): Promise<string> {
  const dir = await tempDir('plughub-b-');
  await writeTree(dir, {
    'plugin.json': JSON.stringify({ name: 'b', version, source: { mode: 'esm', path: 'dist/index.js' } }),
    'src/index.js': [
      `export const api = { greet: (who) => 'hello ' + who + ' from b@${version}' };`,
      `export function execute(ctx) { return 'b@${version} ran for ' + ctx.get('who'); }`,
      '',
    ].join('\n'),
  });
  return dir;
}

/** The folder of plugin `a`, which calls b's api and b's entry. */
async function projectA(): Promise<string> {
  const dir = await tempDir('plughub-a-');
  await writeTree(dir, {
    'plugin.json': JSON.stringify({ name: 'a', version: '1.0.0', dependencies: { b: '^1' }, source: { mode: 'esm', path: 'dist/index.js' } }),
    'src/index.js': [
      'export async function execute(ctx) {',
      "  const greeting = await ctx.plugins.get('b').greet(ctx.get('who'));",
      "  const ran = await ctx.plugins.execute('b', { values: { who: 'a' } });",
      '  return { greeting, ran };',
      '}',
      '',
    ].join('\n'),
  });
  return dir;
}

async function published() {
  const registry = await inProcessRegistry();
  const cwd = await tempDir();
  const env = { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token, PLUGHUB_CACHE_DIR: join(cwd, 'cache') };
  const a = await projectA();
  for (const dir of [await projectB('1.0.0'), a]) expect((await cli(['publish'], { cwd: dir, env })).code).toBe(0);
  return { registry, cwd, env, a };
}

describe('plugins that use each other, against a real registry', () => {
  it('plughub run loads the dependency first and the plugin calls it, from the registry and from its folder', async () => {
    const { cwd, env, a } = await published();
    const expected = '{"greeting":"hello you from b@1.0.0","ran":"b@1.0.0 ran for a"}\n';
    await expect(cli(['run', 'a', '--set', 'who=you'], { cwd, env })).resolves.toEqual({ code: 0, stdout: expected, stderr: '' });
    await expect(cli(['run', a, '--set', 'who=you'], { cwd, env })).resolves.toEqual({ code: 0, stdout: expected, stderr: '' });
    const b11 = await projectB('1.1.0');
    expect((await cli(['publish'], { cwd: b11, env })).code).toBe(0);
    // Once the cached document of b is past its max-age, the next run asks the registry and finds 1.1.0.
    await expireDocument(createFsDocumentCache(env.PLUGHUB_CACHE_DIR), env.PLUGHUB_REGISTRY, 'b');
    const again = await cli(['run', 'a', '--set', 'who=you'], { cwd, env });
    expect(again.stdout).toBe('{"greeting":"hello you from b@1.1.0","ran":"b@1.1.0 ran for a"}\n');
  });

  it.each<[Isolation, Isolation]>([
    ['none', 'none'],
    ['worker', 'worker'],
    ['none', 'worker'],
  ])('a Node host runs b in %s and a in %s, and a sees b@1.1.0 after upgrade', async (bIsolation, aIsolation) => {
    const { registry, env } = await published();
    const host = await nodeHost({ registry: registry.url });
    await host.load('b@^1', { isolation: bIsolation });
    await host.load('a', { isolation: aIsolation });
    await expect(host.execute('a', { values: { who: 'ada' } })).resolves.toEqual({ greeting: 'hello ada from b@1.0.0', ran: 'b@1.0.0 ran for a' });
    expect((await cli(['publish'], { cwd: await projectB('1.1.0'), env })).code).toBe(0);
    expect((await host.upgrade('b')).version).toBe('1.1.0');
    await expect(host.execute('a', { values: { who: 'ada' } })).resolves.toEqual({ greeting: 'hello ada from b@1.1.0', ran: 'b@1.1.0 ran for a' });
  });
});
