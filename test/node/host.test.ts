/** createPluginHost: defaults from the environment, and the disk cache in front of a fetch-level registry double. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { createPluginHost } from '../../src/node/host.js';
import { defaultCacheDir, defaultRegistry } from '../../src/node/paths.js';
import { createRegistryDouble } from '../core/registry/double.js';
import { manifest, nodeHost, pluginSource, tempDir } from './helpers.js';

describe('createPluginHost defaults', () => {
  it('takes the cache directory from the option, PLUGHUB_CACHE_DIR, XDG_CACHE_HOME, then ~/.cache', () => {
    const env = { PLUGHUB_CACHE_DIR: '/srv/plughub', XDG_CACHE_HOME: '/xdg' };
    expect(defaultCacheDir('/explicit', env, '/home/me')).toBe('/explicit');
    expect(defaultCacheDir(undefined, env, '/home/me')).toBe('/srv/plughub');
    expect(defaultCacheDir(undefined, { XDG_CACHE_HOME: '/xdg' }, '/home/me')).toBe('/xdg/plughub');
    expect(defaultCacheDir(undefined, { XDG_CACHE_HOME: 'relative/ignored' }, '/home/me')).toBe('/home/me/.cache/plughub');
    expect(defaultCacheDir(undefined, { PLUGHUB_CACHE_DIR: '  ' }, '/home/me')).toBe('/home/me/.cache/plughub');
    expect(defaultCacheDir('relative', {}, '/home/me')).toBe(join(process.cwd(), 'relative'));
  });

  it('takes the registry from the option, then PLUGHUB_REGISTRY, else none', () => {
    expect(defaultRegistry('http://a.test', { PLUGHUB_REGISTRY: 'http://b.test' })).toBe('http://a.test');
    expect(defaultRegistry(undefined, { PLUGHUB_REGISTRY: 'http://b.test' })).toBe('http://b.test');
    expect(defaultRegistry(undefined, {})).toBeUndefined();
  });

  it('builds a host from the environment: registry, cache directory and Node adapters', async () => {
    const dir = await tempDir();
    const host = createPluginHost({ env: { PLUGHUB_REGISTRY: 'http://registry.test/', PLUGHUB_CACHE_DIR: dir } });
    expect(host.registry?.url).toBe('http://registry.test');
    expect(host.cacheDir).toBe(dir);
    expect(host.cache.dir).toBe(dir);
    expect(host.documents.dir).toBe(dir);
    const fromOptions = createPluginHost({ registry: 'http://option.test', cacheDir: join(dir, 'other'), env: { PLUGHUB_REGISTRY: 'http://env.test' } });
    expect(fromOptions.registry?.url).toBe('http://option.test');
    expect(fromOptions.cacheDir).toBe(join(dir, 'other'));
    const local = createPluginHost({ env: { XDG_CACHE_HOME: dir } });
    expect(local.registry).toBeUndefined();
    expect(local.cacheDir).toBe(join(dir, 'plughub'));
    await expect(local.load('hello')).rejects.toThrow(/hello: no registry is configured/);
  });
});

describe('Node host with a registry (fetch-level double)', () => {
  async function published() {
    const registry = createRegistryDouble();
    const entry = await registry.publish(manifest('hello', '1.0.0'), pluginSource('hello-1'));
    const client = createRegistryClient({ url: registry.url, fetch: registry.fetch, retry: 0 });
    return { registry, entry, client };
  }
  const blobRequests = (registry: { requests: Request[] }) => registry.requests.filter((r) => r.url.includes('/v1/blobs/')).length;

  it('caches the bundle on disk: a second host on the same directory imports it without downloading', async () => {
    const { registry, entry, client } = await published();
    const cacheDir = await tempDir();
    const first = await nodeHost({ registry: client, cacheDir });
    expect(await (await first.load('hello@^1')).execute({ values: { who: 'a' } })).toMatchObject({ tag: 'hello-1', who: 'a' });
    await first.settled();
    expect(await readFile(first.cache.pathOf(entry.dist.integrity), 'utf8')).toBe(pluginSource('hello-1'));
    expect(blobRequests(registry)).toBe(1);
    const second = await nodeHost({ registry: client, cacheDir });
    await second.load('hello@^1');
    expect(blobRequests(registry)).toBe(1);
    expect((await second.cache.list()).map((b) => b.integrity)).toEqual([entry.dist.integrity]);
  });

  it('detects a corrupted cached file, removes it, downloads the bundle again and never imports the bad bytes', async () => {
    const { registry, entry, client } = await published();
    const cacheDir = await tempDir();
    const first = await nodeHost({ registry: client, cacheDir });
    await first.load('hello');
    await first.settled();
    const path = createPluginHost({ cacheDir, env: {} }).cache.pathOf(entry.dist.integrity);
    await writeFile(path, 'export default { execute() { return "evil"; } };');
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (...args: unknown[]) => void warnings.push(args.join(' ')) };
    const host = await nodeHost({ registry: client, cacheDir, log });
    const plugin = await host.load('hello');
    expect(await plugin.execute()).toMatchObject({ tag: 'hello-1' });
    await host.settled();
    expect(warnings.join('\n')).toMatch(/hello@1\.0\.0: cached bundle sha256-.* is corrupted; removing it and downloading again/);
    expect(blobRequests(registry)).toBe(2);
    expect(await readFile(path, 'utf8')).toBe(pluginSource('hello-1'));
    expect((await host.cache.verify()).corrupt).toEqual([]);
  });
});
