/**
 * What only the filesystem driver does: its documented layout, cleaning
 * temp files of dead processes at start, rebuilding a lost or stale index,
 * lock files that hold between independent driver instances (as between
 * processes) and are broken when their owner died, and seeing documents
 * changed by another instance.
 */
import { tempFileName } from '../../registry-server/fs/atomic.js';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { PluginDocument } from '../../src/core/registry/document.js';
import { addVersion, createFsStorage, type FsStorageOptions, type RegistryStorage } from '../../registry-server/index.js';
import { DataDirectoryBusyError } from '../../registry-server/storage/errors.js';
import { onCleanup, sha256Hex, tempDir } from './helpers.js';

function open(directory: string, options: FsStorageOptions = {}): RegistryStorage {
  const storage = createFsStorage(directory, options);
  onCleanup(() => storage.close());
  return storage;
}

function version(current: PluginDocument | undefined, name: string, number: string): PluginDocument {
  const hex = sha256Hex(new TextEncoder().encode(number));
  const entry = {
    manifest: { name, version: number, source: { mode: 'esm', path: 'index.js' } },
    dist: { integrity: `sha256-${Buffer.from(hex, 'hex').toString('base64')}`, size: 1, url: `/v1/blobs/sha256/${hex}` },
    publishedAt: new Date().toISOString(),
    yanked: false,
  };
  return addVersion(current, name, number, entry, Date.now());
}

async function versionsOf(storage: RegistryStorage, name: string): Promise<string[]> {
  const snapshot = await storage.getDocument(name, { fresh: true });
  const document = snapshot && (JSON.parse(new TextDecoder().decode(snapshot.bytes)) as PluginDocument);
  return Object.keys(document?.versions ?? {}).sort();
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('filesystem storage', () => {
  it('keeps the documented layout, holds only its write lease while open, and leaves no temp or lock files behind', async () => {
    const directory = await tempDir();
    const storage = open(directory);
    const bundle = new TextEncoder().encode('export {}');
    const hex = sha256Hex(bundle);
    await storage.updateDocument('@acme/hello', async (current) => {
      await storage.putBlob('sha256', hex, bundle);
      return version(current, '@acme/hello', '1.0.0');
    });
    // Its files and the index are put in place right after the change resolves; the list waits for them.
    await storage.listPlugins();
    expect(await readFile(join(directory, 'blobs', 'sha256', hex))).toEqual(Buffer.from(bundle));
    const document = JSON.parse(await readFile(join(directory, 'plugins', '@acme%2Fhello', 'document.json'), 'utf8'));
    expect(document.name).toBe('@acme/hello');
    const index = JSON.parse(await readFile(join(directory, 'index.json'), 'utf8'));
    expect(Object.keys(index.plugins)).toEqual(['@acme/hello']);
    expect(await readdir(join(directory, 'tmp'))).toEqual([]);
    expect(await readdir(join(directory, 'locks'))).toEqual(['writer.lock']);
    await storage.close();
    expect(await readdir(join(directory, 'locks'))).toEqual([]);
  });

  it('removes at start the temp files of dead processes (and of its own pid), not those of live ones', async () => {
    const directory = await tempDir();
    await mkdir(join(directory, 'tmp'), { recursive: true });
    const dead = `${await deadPid()}-abandoned.tmp`;
    const own = `${process.pid}-previous-life.tmp`;
    const live = `${process.ppid}-in-progress.tmp`;
    for (const name of [dead, own, live]) await writeFile(join(directory, 'tmp', name), 'partial');
    await open(directory).listPlugins();
    expect(await readdir(join(directory, 'tmp'))).toEqual([live]);
  });

  it('keeps the temp files this process is writing while a storage starts on the directory', async () => {
    const directory = await tempDir();
    await mkdir(join(directory, 'tmp'), { recursive: true });
    const writing = tempFileName();
    await writeFile(join(directory, 'tmp', writing), 'being written');
    await open(directory).listPlugins();
    expect(await readdir(join(directory, 'tmp'))).toEqual([writing]);
  });

  it('rebuilds an index that was lost or missed an update', async () => {
    const directory = await tempDir();
    const first = open(directory);
    await first.updateDocument('alpha', (current) => version(current, 'alpha', '1.0.0'));
    await first.updateDocument('beta', (current) => version(current, 'beta', '1.0.0'));
    await first.close();
    await writeFile(join(directory, 'index.json'), JSON.stringify({ version: 1, plugins: {} }));
    expect((await open(directory).listPlugins()).map((p) => p.name)).toEqual(['alpha', 'beta']);
    await rm(join(directory, 'index.json'));
    expect((await open(directory).listPlugins()).map((p) => p.name)).toEqual(['alpha', 'beta']);
  });

  it('serializes changes made through two instances on one directory, which share the write lease', async () => {
    const directory = await tempDir();
    const storages = [open(directory), open(directory)];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        storages[i % 2]!.updateDocument('hello', async (current) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          return version(current, 'hello', `1.0.${i}`);
        }),
      ),
    );
    expect(await versionsOf(storages[0]!, 'hello')).toHaveLength(20);
    expect((await storages[1]!.listPlugins()).map((p) => p.latest)).toEqual(['1.0.19']);
    await storages[0]!.close();
    expect(await readdir(join(directory, 'locks'))).toEqual(['writer.lock']);
    await storages[1]!.close();
    expect(await readdir(join(directory, 'locks'))).toEqual([]);
  });

  it('breaks a write lease whose owner died, and waits for one a live process holds, then names it', async () => {
    const directory = await tempDir();
    await mkdir(join(directory, 'locks'), { recursive: true });
    const lease = join(directory, 'locks', 'writer.lock');
    const owner = (pid: number, at = Date.now()) => JSON.stringify({ pid, host: hostname(), nonce: 'n', at });
    await writeFile(lease, owner(await deadPid()));
    const first = open(directory);
    await first.updateDocument('hello', (current) => version(current, 'hello', '1.0.0'));
    expect(await versionsOf(first, 'hello')).toEqual(['1.0.0']);
    await first.close();

    await writeFile(lease, owner(process.ppid));
    const second = open(directory, { lease: { waitMs: 300 } });
    const refused = second.updateDocument('hello', (current) => version(current, 'hello', '2.0.0'));
    await expect(refused).rejects.toThrow(DataDirectoryBusyError);
    await expect(refused).rejects.toThrow(`the data directory ${directory} is being written by pid ${process.ppid} on ${hostname()}`);
    expect(await versionsOf(second, 'hello')).toEqual(['1.0.0']);

    await writeFile(lease, owner(process.ppid, Date.now() - 10 * 60_000));
    await second.updateDocument('hello', (current) => version(current, 'hello', '2.0.0'));
    expect(await versionsOf(second, 'hello')).toEqual(['1.0.0', '2.0.0']);
  });

  it('serves its own commit at once, with reads running alongside', async () => {
    const storage = open(await tempDir(), { revalidateMs: 60_000 });
    await storage.updateDocument('hello', (current) => version(current, 'hello', '1.0.0'));
    for (let i = 1; i <= 20; i++) {
      let reading = true;
      const readers = (async () => {
        while (reading) {
          await storage.getDocument('hello');
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const committed = await storage.updateDocument('hello', (current) => version(current, 'hello', `1.0.${i}`));
      reading = false;
      await readers;
      expect((await storage.getDocument('hello'))?.etag).toBe(committed?.etag);
    }
  });

  it('sees a document another instance changed: at once when asked for a fresh read, soon through the directory watch', async () => {
    const directory = await tempDir();
    const writer = open(directory);
    const reader = open(directory);
    await writer.updateDocument('hello', (current) => version(current, 'hello', '1.0.0'));
    const before = await reader.getDocument('hello');
    await writer.updateDocument('hello', (current) => version(current, 'hello', '1.1.0'));
    expect((await reader.getDocument('hello', { fresh: true }))?.etag).not.toBe(before?.etag);

    const watcher = open(directory, { revalidateMs: 60_000 });
    const cached = await watcher.getDocument('hello');
    await writer.updateDocument('hello', (current) => version(current, 'hello', '1.2.0'));
    await vi.waitFor(async () => expect((await watcher.getDocument('hello'))?.etag).not.toBe(cached?.etag), { timeout: 5000, interval: 5 });

    const polling = open(directory, { revalidateMs: 0 });
    const seen = await polling.getDocument('hello');
    await writer.updateDocument('hello', (current) => version(current, 'hello', '1.3.0'));
    expect((await polling.getDocument('hello'))?.etag).not.toBe(seen?.etag);
  });
});
