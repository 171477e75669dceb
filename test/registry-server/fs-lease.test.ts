/**
 * The write lease of a data directory (registry-server/fs/lease.ts): one
 * process writes a data directory at a time. Another process's write is
 * refused, after a short wait, with an error naming the directory and the
 * holder; it still reads; a dead holder's lease is taken over at once; a
 * closed storage releases it; a second `plughub serve` on the directory does
 * not start, nor does `plughub gc` delete anything while a server writes it.
 */
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PluginDocument } from '../../src/core/registry/document.js';
import { createFsStorage, type RegistryStorage } from '../../registry-server/index.js';
import { DataDirectoryBusyError } from '../../registry-server/storage/errors.js';
import { addVersionEntry } from './fixtures/lock-work.js';
import { onCleanup, tempDir } from './helpers.js';
import { kill, spawnTypeScript, startServer } from './processes.js';

function open(directory: string, waitMs: number): RegistryStorage {
  const storage = createFsStorage(directory, { lease: { waitMs } });
  onCleanup(() => storage.close());
  return storage;
}

async function versionsOf(storage: RegistryStorage, name: string): Promise<string[]> {
  const snapshot = await storage.getDocument(name, { fresh: true });
  const document = snapshot && (JSON.parse(new TextDecoder().decode(snapshot.bytes)) as PluginDocument);
  return Object.keys(document?.versions ?? {}).sort();
}

async function holder(directory: string) {
  const child = spawnTypeScript('test/registry-server/fixtures/lease-holder.ts', [directory]);
  const [, pid] = await child.waitForLine(/^holding (\d+)$/);
  return { child, pid: Number(pid) };
}

describe('the write lease of a data directory', () => {
  it("refuses another process's writes naming the directory and the holder, serves its reads, and takes over a dead holder's lease", {
    timeout: 30_000,
  }, async () => {
    const directory = await tempDir();
    const { child, pid } = await holder(directory);
    const storage = open(directory, 200);
    const refused = storage.updateDocument('other', (current) => addVersionEntry(current, 'other', '1.0.0'));
    await expect(refused).rejects.toThrow(DataDirectoryBusyError);
    await expect(refused).rejects.toMatchObject({
      code: 'E_DATA_DIRECTORY_BUSY',
      directory,
      holder: `pid ${pid} on ${hostname()}`,
      message: expect.stringContaining(`the data directory ${directory} is being written by pid ${pid} on ${hostname()}`),
    });
    await expect(storage.check()).rejects.toThrow(DataDirectoryBusyError);
    expect(await versionsOf(storage, 'held')).toEqual(['1.0.0']);
    expect(await versionsOf(storage, 'other')).toEqual([]);

    await kill(child);
    await storage.updateDocument('held', (current) => addVersionEntry(current, 'held', '1.1.0'));
    expect(await versionsOf(storage, 'held')).toEqual(['1.0.0', '1.1.0']);
    expect(await readdir(join(directory, 'locks'))).toEqual(['writer.lock']);
  });

  it('is released when its holder closes its storage, and taken by the next writer without waiting', { timeout: 30_000 }, async () => {
    const directory = await tempDir();
    const { child } = await holder(directory);
    child.process.kill('SIGTERM');
    await child.waitForLine(/^released$/);
    expect(await readdir(join(directory, 'locks'))).toEqual([]);
    const storage = open(directory, 0);
    await storage.updateDocument('held', (current) => addVersionEntry(current, 'held', '2.0.0'));
    expect(await versionsOf(storage, 'held')).toEqual(['1.0.0', '2.0.0']);
    await storage.close();
    expect(await readdir(join(directory, 'locks'))).toEqual([]);
  });

  it('keeps a second `plughub serve` and `plughub gc` off a data directory a server is writing, not `gc --dry-run`', { timeout: 30_000 }, async () => {
    const directory = await tempDir();
    const first = await startServer(directory);
    const second = spawnTypeScript('src/node/cli/main.ts', ['serve', '--port', '0', '--data', directory]);
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.output()).toContain(`the data directory ${directory} is being written by pid ${first.process.pid} on ${hostname()}`);
    expect(second.output()).not.toMatch(/^listening on/m);
    const response = await fetch(`${first.url}/healthz`);
    expect(response.status).toBe(200);

    // An offline command that writes the directory is refused the same way; one that reads works beside the server.
    const gc = spawnTypeScript('src/node/cli/main.ts', ['gc', '--data', directory]);
    expect((await gc.exited).code).toBe(1);
    expect(gc.output()).toContain(`the data directory ${directory} is being written by pid ${first.process.pid} on ${hostname()}`);
    const dryRun = spawnTypeScript('src/node/cli/main.ts', ['gc', '--data', directory, '--dry-run']);
    expect((await dryRun.exited).code).toBe(0);
    expect(dryRun.output()).toMatch(/would delete 0 of \d+ blobs/);
  });
});
