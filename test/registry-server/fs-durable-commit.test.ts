/**
 * How the filesystem driver makes a change durable: one directory flush
 * serves every rename made before it began, but never answers a caller
 * whose rename came after it began (group commit); the blobs a document
 * carries are in place before the document is renamed into place; and many
 * plugins changed at once all end up in their documents and in the index,
 * leaving no temp file and no lock behind.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PluginDocument } from '../../src/core/registry/document.js';
import { addVersion, createFsStorage, type RegistryStorage } from '../../registry-server/index.js';
import { DirectorySyncs } from '../../registry-server/fs/directory-sync.js';
import { prepareDocument } from '../../registry-server/storage/snapshot.js';
import { onCleanup, sha256Hex, tempDir } from './helpers.js';

/** A flush that finishes (or fails) only when the test says so. */
function controlledFlush() {
  const started: { directory: string; finish: () => void; fail: (error: Error) => void }[] = [];
  const flush = (directory: string) =>
    new Promise<void>((resolve, reject) => {
      started.push({ directory, finish: resolve, fail: reject });
    });
  return { flush, started };
}

/** Settles pending promise callbacks. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await Promise.resolve();
}

function track(promise: Promise<void>): { done: boolean; error?: unknown } {
  const state: { done: boolean; error?: unknown } = { done: false };
  promise.then(
    () => (state.done = true),
    (error: unknown) => {
      state.done = true;
      state.error = error;
    },
  );
  return state;
}

describe('directory flushes shared by concurrent writers', () => {
  it('answers a caller only after a flush that began after its call, one flush serving everyone who asked meanwhile', async () => {
    const { flush, started } = controlledFlush();
    const syncs = new DirectorySyncs(flush);
    const first = track(syncs.sync('/data/blobs'));
    expect(started).toHaveLength(1);
    const second = track(syncs.sync('/data/blobs'));
    const third = track(syncs.sync('/data/blobs'));
    expect(started).toHaveLength(1);
    started[0]!.finish();
    await settle();
    expect(first.done).toBe(true);
    // The second and third renames may have come after the first flush began: they wait for one more.
    expect(second.done).toBe(false);
    expect(third.done).toBe(false);
    expect(started).toHaveLength(2);
    started[1]!.finish();
    await settle();
    expect(second.done && third.done).toBe(true);
    expect(started).toHaveLength(2);
  });

  it('flushes different directories independently, and passes a failed flush on to the callers it covers only', async () => {
    const { flush, started } = controlledFlush();
    const syncs = new DirectorySyncs(flush);
    const blobs = track(syncs.sync('/data/blobs'));
    const plugin = track(syncs.sync('/data/plugins/hello'));
    expect(started.map((entry) => entry.directory)).toEqual(['/data/blobs', '/data/plugins/hello']);
    const waiting = track(syncs.sync('/data/blobs'));
    started[0]!.fail(new Error('EIO: the disk failed'));
    await settle();
    expect(blobs.error).toBeInstanceOf(Error);
    expect(waiting.done).toBe(false);
    started[2]!.finish();
    started[1]!.finish();
    await settle();
    expect(waiting).toEqual({ done: true });
    expect(plugin).toEqual({ done: true });
    const later = track(syncs.sync('/data/blobs'));
    expect(started).toHaveLength(4);
    started[3]!.finish();
    await settle();
    expect(later).toEqual({ done: true });
  });

  it('flushes a real directory', async () => {
    const directory = await tempDir();
    await expect(new DirectorySyncs().sync(directory)).resolves.toBeUndefined();
  });
});

function entry(name: string, version: string) {
  const bundle = new TextEncoder().encode(`export const version = '${name}@${version}';`);
  const hex = sha256Hex(bundle);
  const value = {
    manifest: { name, version, source: { mode: 'esm', path: 'index.js' } },
    dist: { integrity: `sha256-${Buffer.from(hex, 'hex').toString('base64')}`, size: bundle.byteLength, url: `/v1/blobs/sha256/${hex}` },
    publishedAt: new Date().toISOString(),
    yanked: false,
  };
  return { bundle, hex, value };
}

async function publish(storage: RegistryStorage, name: string, version: string): Promise<void> {
  const { bundle, hex, value } = entry(name, version);
  await storage.updateDocument(name, async (current: PluginDocument | undefined) => ({
    ...(await prepareDocument(addVersion(current, name, version, value, Date.now()))),
    blobs: [{ algorithm: 'sha256', hex, bytes: bundle }],
  }));
}

describe('filesystem storage: committing a publish', () => {
  it('shows nothing of a change before its journal record is written, serves all of it once the change resolves, and puts its files in place after that', async () => {
    const directory = await tempDir();
    const seen: { blob: boolean; document: string }[] = [];
    const { hex, bundle } = entry('hello', '1.0.0');
    let acknowledged = false;
    const placedAfterAcknowledgment: boolean[] = [];
    const storage = createFsStorage(directory, {
      async beforeDocumentCommit(target) {
        const blob = await readFile(join(directory, 'blobs', 'sha256', hex)).then(
          () => true,
          () => false,
        );
        seen.push({ blob, document: await readFile(target, 'utf8').catch(() => 'none') });
      },
      journal: {
        async beforePlacement() {
          placedAfterAcknowledgment.push(acknowledged);
        },
      },
    });
    onCleanup(() => storage.close());
    await publish(storage, 'hello', '1.0.0');
    acknowledged = true;
    expect(seen).toEqual([{ blob: false, document: 'none' }]);
    // Served by this process at once, whether or not its files are in place yet.
    expect(JSON.parse(new TextDecoder().decode((await storage.getDocument('hello'))!.bytes)).versions['1.0.0'].dist.url).toContain(hex);
    expect(await storage.getBlob('sha256', hex)).toEqual(bundle);
    // The list waits for the files and the index.
    expect((await storage.listPlugins()).map((summary) => summary.latest)).toEqual(['1.0.0']);
    expect(placedAfterAcknowledgment).toEqual([true]);
    expect(await readFile(join(directory, 'blobs', 'sha256', hex))).toHaveLength(bundle.byteLength);
    expect(JSON.parse(await readFile(join(directory, 'plugins', 'hello', 'document.json'), 'utf8')).versions['1.0.0'].dist.url).toContain(hex);
  });

  it('starts a change from the document the previous one committed, as it was committed, and from the file once another writer replaced it', async () => {
    const directory = await tempDir();
    const storage = createFsStorage(directory);
    onCleanup(() => storage.close());
    const committed = addVersion(undefined, 'hello', '1.0.0', entry('hello', '1.0.0').value, Date.now());
    await storage.updateDocument('hello', () => committed);
    const seen: (PluginDocument | undefined)[] = [];
    await storage.updateDocument('hello', (current) => void seen.push(current));
    expect(seen[0]).toBe(committed);
    await storage.listPlugins();
    // Another writer's file (by hand): the stat differs, the file is read.
    const replaced = addVersion(committed, 'hello', '1.1.0', entry('hello', '1.1.0').value, Date.now() + 1000);
    await writeFile(join(directory, 'plugins', 'hello', 'document.json'), JSON.stringify(replaced));
    await storage.updateDocument('hello', (current) => void seen.push(current));
    expect(seen[1]).not.toBe(committed);
    expect(Object.keys(seen[1]!.versions)).toEqual(['1.0.0', '1.1.0']);
  });

  it('commits sixteen plugins changed at once: every document, every index entry, no temp file left, no lock but the write lease', async () => {
    const directory = await tempDir();
    const storage = createFsStorage(directory);
    onCleanup(() => storage.close());
    const names = Array.from({ length: 16 }, (_, index) => `plugin-${index}`);
    await Promise.all(names.map((name) => publish(storage, name, '1.0.0')));
    await Promise.all(names.map((name) => publish(storage, name, '1.1.0')));
    expect((await storage.listPlugins()).map((summary) => [summary.name, summary.latest])).toEqual([...names].sort().map((name) => [name, '1.1.0']));
    const index = JSON.parse(await readFile(join(directory, 'index.json'), 'utf8')) as { plugins: Record<string, { latest: string }> };
    expect(Object.values(index.plugins).map((summary) => summary.latest)).toEqual(names.map(() => '1.1.0'));
    for (const name of names) {
      const document = JSON.parse(await readFile(join(directory, 'plugins', name, 'document.json'), 'utf8')) as PluginDocument;
      expect(Object.keys(document.versions)).toEqual(['1.0.0', '1.1.0']);
    }
    expect(await readdir(join(directory, 'blobs', 'sha256'))).toHaveLength(32);
    expect(await readdir(join(directory, 'tmp'))).toEqual([]);
    expect(await readdir(join(directory, 'locks'))).toEqual(['writer.lock']);
  });
});
