/**
 * Blob garbage collection: an orphan blob (stored long ago, in no document)
 * is deleted, a fresh one (as a publish in flight leaves it) is kept, and a
 * collection running while publishes commit — some of them storing again a
 * bundle that sat as an old orphan — never deletes a blob a document refers
 * to. Also `plughub gc` on a data directory, and the memory driver.
 */
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, type RegistryStorage } from '../../registry-server/index.js';
import { collectGarbage } from '../../registry-server/storage/gc.js';
import type { PluginDocument } from '../../src/core/registry/document.js';
import { cli } from '../e2e/cli-harness.js';
import { get, pluginPackage, pluginPath, publishRequest, sha256Hex, testRegistry, type TestRegistry } from './helpers.js';

const HOUR = 60 * 60 * 1000;

/** Writes a blob file straight into the data directory, dated `ageMs` ago. */
async function plantBlob(directory: string, bytes: Uint8Array, ageMs: number): Promise<string> {
  const hex = sha256Hex(bytes);
  const path = join(directory, 'blobs', 'sha256', hex);
  await writeFile(path, bytes);
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
  return hex;
}

async function storedBlobs(directory: string): Promise<string[]> {
  return (await readdir(join(directory, 'blobs', 'sha256'))).sort();
}

/** Every blob every document refers to is served, with the bytes its integrity names. */
async function expectEveryDocumentBlob(registry: TestRegistry, storage: RegistryStorage): Promise<number> {
  let count = 0;
  for (const { name } of await storage.listPlugins()) {
    const document = (await (await get(registry, pluginPath(name))).json()) as PluginDocument;
    for (const [version, entry] of Object.entries(document.versions)) {
      const response = await get(registry, entry.dist.url);
      expect(response.status, `${name}@${version}`).toBe(200);
      expect(`/v1/blobs/sha256/${sha256Hex(new Uint8Array(await response.arrayBuffer()))}`).toBe(entry.dist.url);
      count++;
    }
  }
  return count;
}

async function publishPackage(registry: TestRegistry, name: string, version: string, bytes: Uint8Array): Promise<void> {
  const response = await registry.fetch(publishRequest(name, version, bytes, { token: registry.adminToken }));
  expect(response.status, await response.clone().text()).toBe(201);
}

describe('collectGarbage on the filesystem driver', () => {
  it('deletes an old orphan, keeps a fresh one and every blob a document refers to', async () => {
    const registry = await testRegistry();
    const data = registry.directory!;
    for (const name of ['alpha', 'beta']) {
      const { bytes } = await pluginPackage(name, '1.0.0');
      await publishPackage(registry, name, '1.0.0', bytes);
    }
    // The files are put in place right after the answers; the list waits for them.
    await registry.storage.listPlugins();
    const referenced = await storedBlobs(data);
    const orphan = await plantBlob(data, new TextEncoder().encode('left by a crashed publish'), 2 * HOUR);
    const fresh = await plantBlob(data, new TextEncoder().encode('a publish in flight'), 0);

    const dry = await collectGarbage(registry.storage, { dryRun: true });
    expect(dry).toMatchObject({ blobs: 4, documents: 2, deleted: [orphan], recent: 1 });
    expect(await storedBlobs(data)).toEqual([...referenced, orphan, fresh].sort());

    const result = await collectGarbage(registry.storage);
    expect(result).toMatchObject({ blobs: 4, documents: 2, deleted: [orphan], bytes: 'left by a crashed publish'.length, recent: 1 });
    expect(await storedBlobs(data)).toEqual([...referenced, fresh].sort());
    expect(await expectEveryDocumentBlob(registry, registry.storage)).toBe(2);
    expect((await get(registry, `/v1/blobs/sha256/${orphan}`)).status).toBe(404);
  });

  it('runs alongside publishes without deleting a blob any document refers to', { timeout: 60_000 }, async () => {
    const registry = await testRegistry();
    const data = registry.directory!;
    const orphans: string[] = [];
    const revived: string[] = [];
    for (let round = 0; round < 12; round++) {
      const version = `1.${round}.0`;
      // This round's bundles already sit in storage as old orphans: the publishes
      // store them again (renewing them) while a collection wants to delete them.
      const packages = await Promise.all(['one', 'two'].map((name) => pluginPackage(name, version)));
      for (const { bundle } of packages) revived.push(await plantBlob(data, bundle, 2 * HOUR));
      orphans.push(await plantBlob(data, new TextEncoder().encode(`orphan ${round}`), 2 * HOUR));
      const [collected] = await Promise.all([
        collectGarbage(registry.storage),
        publishPackage(registry, 'one', version, packages[0]!.bytes),
        publishPackage(registry, 'two', version, packages[1]!.bytes),
        publishPackage(registry, 'three', version, (await pluginPackage('three', version)).bytes),
      ]);
      for (const hex of collected.deleted) expect([...orphans, ...revived]).toContain(hex);
    }
    expect(await expectEveryDocumentBlob(registry, registry.storage)).toBe(36);
    await collectGarbage(registry.storage);
    const left = await storedBlobs(data);
    for (const hex of orphans) expect(left).not.toContain(hex);
    expect(left).toHaveLength(36);
  });

  it('stops before deleting anything when a document cannot be read', async () => {
    const registry = await testRegistry();
    const data = registry.directory!;
    const { bytes } = await pluginPackage('alpha', '1.0.0');
    await publishPackage(registry, 'alpha', '1.0.0', bytes);
    const orphan = await plantBlob(data, new TextEncoder().encode('orphan'), 2 * HOUR);
    await mkdir(join(data, 'plugins', 'odd', 'document.json'), { recursive: true });
    await expect(collectGarbage(registry.storage)).rejects.toThrow(/odd\/document\.json/);
    expect(await storedBlobs(data)).toContain(orphan);
  });
});

describe('plughub gc', () => {
  it('deletes the orphans of a data directory, and lists them with --dry-run', async () => {
    const registry = await testRegistry();
    const data = registry.directory!;
    const { bytes } = await pluginPackage('alpha', '1.0.0');
    await publishPackage(registry, 'alpha', '1.0.0', bytes);
    // Another process sees the files once they are in place, right after the answer; the list waits for them.
    await registry.storage.listPlugins();
    const orphan = await plantBlob(data, new TextEncoder().encode('orphan'), 3 * HOUR);

    const dry = await cli(['gc', '--data', data, '--dry-run'], { cwd: '/' });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(`would delete 1 of 2 blobs (6 B) in ${data}\n  sha256/${orphan}\n`);
    expect(await storedBlobs(data)).toContain(orphan);

    const kept = await cli(['gc', '--data', data, '--grace', '4h', '--json'], { cwd: '/' });
    expect(JSON.parse(kept.stdout)).toMatchObject({ data, blobs: 2, documents: 1, deleted: [], recent: 1, dryRun: false });

    const run = await cli(['gc', '--data', data, '--json'], { cwd: '/' });
    expect(JSON.parse(run.stdout)).toMatchObject({ data, blobs: 2, documents: 1, deleted: [orphan], bytes: 6, recent: 0, dryRun: false });
    expect(await storedBlobs(data)).not.toContain(orphan);
    expect(await expectEveryDocumentBlob(registry, registry.storage)).toBe(1);

    const bad = await cli(['gc', '--data', data, '--grace', '10s'], { cwd: '/' });
    expect([bad.code, bad.stderr]).toEqual([
      1,
      'plughub: --grace must be a duration of at least 1m such as 30d, 48h, 90m (got "10s") (see plughub gc --help)\n',
    ]);
  });
});

describe('collectGarbage on the memory driver', () => {
  it('deletes only what is unreferenced and older than the grace period, and putBlob renews a blob', async () => {
    const storage = createMemoryStorage();
    const keep = new TextEncoder().encode('kept');
    const drop = new TextEncoder().encode('dropped');
    await storage.putBlob('sha256', sha256Hex(keep), keep);
    await storage.putBlob('sha256', sha256Hex(drop), drop);
    await storage.updateDocument('hello', () => ({
      name: 'hello',
      distTags: {},
      modified: new Date().toISOString(),
      versions: {
        '1.0.0': {
          manifest: { name: 'hello', version: '1.0.0' },
          dist: { integrity: 'x', size: 4, url: `/v1/blobs/sha256/${sha256Hex(keep)}` },
          publishedAt: '',
          yanked: false,
        },
      },
    }));
    const later = Date.now() + 2 * HOUR;
    expect((await collectGarbage(storage, { now: () => Date.now() })).deleted).toEqual([]);
    expect(await storage.deleteBlob('sha256', sha256Hex(drop), Date.now() - HOUR)).toBe(false);
    const result = await collectGarbage(storage, { now: () => later });
    expect(result.deleted).toEqual([sha256Hex(drop)]);
    expect(await storage.getBlob('sha256', sha256Hex(drop))).toBeUndefined();
    expect(await storage.getBlob('sha256', sha256Hex(keep))).toEqual(keep);
  });
});
