/**
 * Crash safety: a server process killed in the middle of an upload, and a
 * publisher killed at an arbitrary point of its writes (SIGKILL, no chance to
 * clean up), leave no half-visible version, no temp file that a restart does
 * not remove, and no lock that blocks the next publish.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeIntegrity } from '../../src/core/integrity.js';
import type { PluginDocument } from '../../src/core/registry/document.js';
import { createFileTokenStore, createFsStorage, createMemoryTokenStore, createRegistry } from '../../registry-server/index.js';
import { onCleanup, pluginPackage, pluginPath, publishRequest, tempDir } from './helpers.js';
import { kill, spawnTypeScript, startServer } from './processes.js';
import { request as httpRequest } from 'node:http';

/** Opens the directory as a restarted server would and waits until its start-up cleaning is done. */
async function restart(directory: string) {
  const storage = createFsStorage(directory);
  onCleanup(() => storage.close());
  await storage.listPlugins();
  const tokens = createMemoryTokenStore();
  const { token } = await tokens.create({ admin: true, publish: [] });
  return { storage, registry: createRegistry({ storage, tokens }), token };
}

async function documentOf(storage: Awaited<ReturnType<typeof restart>>['storage'], name: string): Promise<PluginDocument | undefined> {
  const snapshot = await storage.getDocument(name, { fresh: true });
  return snapshot && (JSON.parse(new TextDecoder().decode(snapshot.bytes)) as PluginDocument);
}

describe('crash safety', () => {
  it('a server killed mid-upload shows nothing of that version, and its restart cleans up', { timeout: 60_000 }, async () => {
    const directory = await tempDir();
    const { token } = await createFileTokenStore(directory).create({ admin: true, publish: [] });
    const server = await startServer(directory);
    const { bytes } = await pluginPackage('hello', '1.0.0', { bundleBytes: 2 * 1024 * 1024 });
    const upload = httpRequest(`${server.url}${pluginPath('hello', '1.0.0')}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip', 'content-length': String(bytes.byteLength) },
    });
    upload.on('error', () => undefined);
    await new Promise<void>((resolve) => upload.write(bytes.subarray(0, bytes.byteLength / 2), () => resolve()));
    await kill(server);
    upload.destroy();

    const { storage, registry, token: fresh } = await restart(directory);
    expect(await documentOf(storage, 'hello')).toBeUndefined();
    expect(await storage.listPlugins()).toEqual([]);
    expect(await readdir(join(directory, 'tmp'))).toEqual([]);
    const retry = await registry.fetch(publishRequest('hello', '1.0.0', bytes, { token: fresh }));
    expect(retry.status).toBe(201);
  });

  it('a publisher killed right before the journal record of its change leaves no version and nothing a restart must clean', {
    timeout: 60_000,
  }, async () => {
    const directory = await tempDir();
    const child = spawnTypeScript('test/registry-server/fixtures/stall-before-commit.ts', [directory]);
    const [, target] = await child.waitForLine(/^stalled (.+)$/);
    expect(basename(target!)).toBe('document.json');
    await kill(child);

    const { storage, registry, token } = await restart(directory);
    expect(await readdir(join(directory, 'tmp'))).toEqual([]);
    expect(await documentOf(storage, 'stall')).toBeUndefined();
    expect(await storage.listPlugins()).toEqual([]);
    const { bytes } = await pluginPackage('stall', '1.0.0');
    expect((await registry.fetch(publishRequest('stall', '1.0.0', bytes, { token }))).status).toBe(201);
  });

  it.each([1, 3, 6])('a publisher killed after %i publishes loses none of them and shows no partial one', { timeout: 60_000 }, async (count) => {
    const directory = await tempDir();
    const child = spawnTypeScript('test/registry-server/fixtures/publish-loop.ts', [directory]);
    await child.waitForLine(new RegExp(`^published 1\\.0\\.${count - 1}$`));
    await kill(child);
    const published = child
      .output()
      .match(/^published \S+$/gm)!
      .map((line) => line.slice('published '.length));

    const { storage, registry, token } = await restart(directory);
    expect(await readdir(join(directory, 'tmp'))).toEqual([]);
    const document = await documentOf(storage, 'crash');
    const visible = Object.keys(document?.versions ?? {});
    for (const version of published) expect(visible).toContain(version);
    expect(visible.length - published.length).toBeLessThanOrEqual(1);
    for (const [version, entry] of Object.entries(document!.versions)) {
      const hex = entry.dist.url.split('/').pop()!;
      const blob = await readFile(join(directory, 'blobs', 'sha256', hex));
      expect(await computeIntegrity(new Uint8Array(blob)), version).toBe(entry.dist.integrity);
    }
    expect((await storage.listPlugins()).map((p) => p.latest)).toEqual([document!.distTags.latest]);

    const next = `1.0.${visible.length}`;
    const { bytes } = await pluginPackage('crash', next);
    expect((await registry.fetch(publishRequest('crash', next, bytes, { token }))).status).toBe(201);
  });
});
