/**
 * Concurrent publishes: distinct versions in parallel all appear; the same
 * version in parallel gives exactly one 201; and a server killed after
 * publishing in parallel loses nothing: the next server on its data
 * directory serves every acknowledged version.
 */
import { describe, expect, it } from 'vitest';
import { computeIntegrity } from '../../src/core/integrity.js';
import { parsePluginDocument, parsePluginList, type PluginDocument } from '../../src/core/registry/document.js';
import { createFileTokenStore } from '../../registry-server/index.js';
import { get, pluginPackage, pluginPath, publishRequest, tempDir, testRegistry } from './helpers.js';
import { kill, startServer } from './processes.js';

const versions = (count: number) => Array.from({ length: count }, (_, i) => `1.${i}.0`);

describe.each(['fs', 'memory'] as const)('parallel publishes (%s storage)', (driver) => {
  it('20 distinct versions published at once all appear', async () => {
    const registry = await testRegistry({ driver });
    const packages = await Promise.all(versions(20).map((version) => pluginPackage('hello', version)));
    const statuses = await Promise.all(
      versions(20).map((version, i) =>
        registry.fetch(publishRequest('hello', version, packages[i]!.bytes, { token: registry.adminToken })).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(Array(20).fill(201));
    const document = parsePluginDocument(await (await get(registry, pluginPath('hello'))).json(), 'hello');
    expect(Object.keys(document.versions).sort()).toEqual(versions(20).sort());
    expect(document.distTags.latest).toBe('1.19.0');
    for (const [i, version] of versions(20).entries()) {
      const blob = new Uint8Array(await (await get(registry, document.versions[version]!.dist.url)).arrayBuffer());
      expect(blob).toEqual(packages[i]!.bundle);
    }
  });

  it('the same version published 10 times at once: one 201, nine 409s, and the winner stored', async () => {
    const registry = await testRegistry({ driver });
    const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => pluginPackage('hello', '1.0.0', { salt: `attempt ${i}` })));
    const responses = await Promise.all(attempts.map(({ bytes }) => registry.fetch(publishRequest('hello', '1.0.0', bytes, { token: registry.adminToken }))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    const winner = attempts[statuses.indexOf(201)]!;
    const document = parsePluginDocument(await (await get(registry, pluginPath('hello'))).json(), 'hello');
    expect(document.versions['1.0.0']!.dist.integrity).toBe(await computeIntegrity(winner.bundle));
    expect(new Uint8Array(await (await get(registry, document.versions['1.0.0']!.dist.url)).arrayBuffer())).toEqual(winner.bundle);
  });
});

describe('servers taking turns on one data directory', () => {
  it('a server killed after parallel publishes loses none: the next one serves them all and publishes on', { timeout: 60_000 }, async () => {
    const directory = await tempDir();
    const { token } = await createFileTokenStore(directory).create({ admin: true, publish: [] });
    const send = (url: string, version: string, bytes: Uint8Array) =>
      fetch(publishRequest('hello', version, bytes, { token, origin: url })).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    const packages = await Promise.all(versions(20).map((version) => pluginPackage('hello', version)));

    const first = await startServer(directory, ['--uploads-per-token', '16']);
    const early = await Promise.all(versions(10).map((version, i) => send(first.url, version, packages[i]!.bytes)));
    expect(early).toEqual(Array(10).fill(201));
    await kill(first); // SIGKILL: whatever its journal holds unchecked is replayed by the next server

    const second = await startServer(directory, ['--uploads-per-token', '16']);
    const late = await Promise.all(
      versions(20)
        .slice(10)
        .map((version, i) => send(second.url, version, packages[i + 10]!.bytes)),
    );
    expect(late).toEqual(Array(10).fill(201));
    const same = await Promise.all(Array.from({ length: 10 }, (_, i) => pluginPackage('hello', '2.0.0', { salt: `${i}` })));
    const raced = await Promise.all(same.map(({ bytes }) => send(second.url, '2.0.0', bytes)));
    expect(raced.filter((s) => s === 201)).toHaveLength(1);
    expect(raced.filter((s) => s === 409)).toHaveLength(9);

    const response = await fetch(`${second.url}${pluginPath('hello')}`, { headers: { 'cache-control': 'no-cache' } });
    const document: PluginDocument = parsePluginDocument(await response.json(), 'hello');
    expect(Object.keys(document.versions).sort()).toEqual([...versions(20), '2.0.0'].sort());
    for (const [i, version] of versions(20).entries()) {
      const blob = new Uint8Array(await (await fetch(`${second.url}${document.versions[version]!.dist.url}`)).arrayBuffer());
      expect(blob).toEqual(packages[i]!.bundle);
    }
    const list = parsePluginList(await (await fetch(`${second.url}/v1/plugins`)).json());
    expect(list.plugins.map((p) => [p.name, p.latest])).toEqual([['hello', '2.0.0']]);
  });
});
