/**
 * Download counts end to end: real blob GETs over a socket counted per
 * version (a bundle two versions share counts for the first), kept across
 * a restart of the fs storage, seen by a second server sharing the data
 * directory that never saw the publish, and, for a process killed with
 * SIGKILL, every count it had flushed kept and only the unflushed ones lost.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsStorage, createMemoryTokenStore, createRegistry } from '../../registry-server/index.js';
import { manifest, onCleanup, plg, pluginPackage, publishRequest, tempDir } from './helpers.js';
import { kill, spawnTypeScript } from './processes.js';
import { serve, servedRegistry } from './socket-helpers.js';

interface Stats {
  name: string;
  downloads: { total: number; versions: Record<string, number>; last30Days: number; days: Record<string, number> };
}

async function statsOf(url: string, name: string): Promise<Stats> {
  const response = await fetch(`${url}/v1/plugins/${encodeURIComponent(name)}/stats`);
  expect(response.status).toBe(200);
  return (await response.json()) as Stats;
}

async function bundleUrls(url: string, name: string): Promise<Record<string, string>> {
  const document = (await (await fetch(`${url}/v1/plugins/${encodeURIComponent(name)}`)).json()) as { versions: Record<string, { dist: { url: string } }> };
  return Object.fromEntries(Object.entries(document.versions).map(([version, entry]) => [version, `${url}${entry.dist.url}`]));
}

/** A registry served over `directory` with its own storage, closed (registry first) after the test. */
async function serveDirectory(directory: string) {
  const storage = createFsStorage(directory);
  const registry = createRegistry({ storage, tokens: createMemoryTokenStore() });
  const { server } = await serve(registry);
  const close = async () => {
    await server.close();
    await registry.close();
    await storage.close();
  };
  onCleanup(close);
  return { url: server.url, registry, storage, close };
}

describe('download counts', () => {
  it('counts GETs per version, a shared bundle for the version published first, and keeps them across a restart', { timeout: 30_000 }, async () => {
    const first = await servedRegistry();
    const { url, adminToken, directory } = first;
    const one = await pluginPackage('hello', '1.0.0');
    const two = await pluginPackage('hello', '1.1.0');
    const same = await plg([
      { path: 'plugin.json', content: JSON.stringify(manifest('hello', '1.2.0')) },
      { path: 'dist/index.js', content: one.bundle },
    ]);
    for (const [version, bytes] of [
      ['1.0.0', one.bytes],
      ['1.1.0', two.bytes],
      ['1.2.0', same],
    ] as const) {
      expect((await fetch(publishRequest('hello', version, bytes, { origin: url, token: adminToken }))).status).toBe(201);
    }
    const urls = await bundleUrls(url, 'hello');
    expect(urls['1.2.0']).toBe(urls['1.0.0']);
    for (const version of ['1.0.0', '1.0.0', '1.1.0', '1.2.0']) expect((await fetch(urls[version]!)).status).toBe(200);
    const counted = { '1.0.0': 3, '1.1.0': 1 };
    expect((await statsOf(url, 'hello')).downloads).toMatchObject({ total: 4, versions: counted });

    await first.server.close();
    await first.registry.close();
    await first.storage.close();
    expect(await readdir(join(directory!, 'plugins', 'hello'))).toContain('downloads.json');
    const second = await serveDirectory(directory!);
    expect((await statsOf(second.url, 'hello')).downloads).toMatchObject({ total: 4, versions: counted, last30Days: 4 });
    expect((await fetch(urls['1.1.0']!.replace(url, second.url))).status).toBe(200);
    expect((await statsOf(second.url, 'hello')).downloads.versions).toEqual({ '1.0.0': 3, '1.1.0': 2 });
  });

  it('counts a download on a server that never saw the publish, another process sharing the data directory', { timeout: 30_000 }, async () => {
    const publisher = await servedRegistry();
    const { bytes } = await pluginPackage('@acme/hello', '0.1.0');
    expect((await fetch(publishRequest('@acme/hello', '0.1.0', bytes, { origin: publisher.url, token: publisher.adminToken }))).status).toBe(201);
    // Another process sees the version once its files are in place (right after the 201): listing waits for that.
    await publisher.storage.listPlugins();
    const reader = await serveDirectory(publisher.directory!);
    const urls = await bundleUrls(reader.url, '@acme/hello');
    expect((await fetch(urls['0.1.0']!)).status).toBe(200);
    expect((await statsOf(reader.url, '@acme/hello')).downloads.versions).toEqual({ '0.1.0': 1 });
    // The publisher reads what the other process flushed.
    await reader.storage.flushDownloads();
    expect((await statsOf(publisher.url, '@acme/hello')).downloads.total).toBe(1);
  });

  it('keeps the counts of a flush that failed for the next one, and answers 503 naming a damaged record', { timeout: 30_000 }, async () => {
    const served = await servedRegistry();
    const { bytes } = await pluginPackage('hello', '1.0.0');
    expect((await fetch(publishRequest('hello', '1.0.0', bytes, { origin: served.url, token: served.adminToken }))).status).toBe(201);
    const record = join(served.directory!, 'plugins', 'hello', 'downloads.json');
    await mkdir(record);
    await served.storage.addDownloads([{ name: 'hello', version: '1.0.0', count: 2 }], Date.now());
    await expect(served.storage.flushDownloads()).rejects.toThrow(/download counts of hello \(plugins\/hello\/downloads\.json\)/);
    await rm(record, { recursive: true });
    await served.storage.flushDownloads();
    expect((await statsOf(served.url, 'hello')).downloads.versions).toEqual({ '1.0.0': 2 });

    await writeFile(record, '{"versions":{"1.0.0":-4},"days":{}}');
    const damaged = await fetch(`${served.url}/v1/plugins/hello/stats`);
    expect(damaged.status).toBe(503);
    expect(((await damaged.json()) as { error: { message: string } }).error.message).toMatch(
      /download counts of hello \(plugins\/hello\/downloads\.json\) cannot be used: it is not a downloads record/,
    );
    await rm(record);
  });

  it('keeps every flushed count of a process killed with SIGKILL, losing only the unflushed ones', { timeout: 30_000 }, async () => {
    const directory = await tempDir();
    const child = spawnTypeScript('test/registry-server/fixtures/downloads-crash.ts', [directory, '3', '5']);
    await child.waitForLine(/^added$/);
    await kill(child);
    const storage = createFsStorage(directory);
    onCleanup(() => storage.close());
    expect((await storage.getDownloads('hello')).versions).toEqual({ '1.0.0': 3 });
  });
});
