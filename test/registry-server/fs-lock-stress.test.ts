/**
 * Stress tests of the filesystem lock: many concurrent read-modify-write
 * changes under one lock, from two lock or storage instances in this process
 * and from child processes, and not one of them lost. `npm test` runs a
 * bounded number of rounds; set PLUGHUB_STRESS_ROUNDS for more (e.g. 500).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PluginDocument } from '../../src/core/registry/document.js';
import { FileLocks } from '../../registry-server/fs/lock.js';
import { createFsStorage } from '../../registry-server/index.js';
import { addVersionEntry, incrementCounter } from './fixtures/lock-work.js';
import { lockDirectories, onCleanup, tempDir } from './helpers.js';
import { spawnTypeScript } from './processes.js';

/** Rounds of each stress test; one round is CHANGES concurrent changes. */
const ROUNDS = Math.max(1, Number(process.env.PLUGHUB_STRESS_ROUNDS) || 20);
const CHANGES = 20;
const TIMEOUT = 20_000 + ROUNDS * 400;

async function versionCount(directory: string, name: string): Promise<number> {
  const document = JSON.parse(await readFile(join(directory, 'plugins', name, 'document.json'), 'utf8')) as PluginDocument;
  return Object.keys(document.versions).length;
}

describe('filesystem lock under stress', () => {
  it('loses no increment made through two lock instances in one process', { timeout: TIMEOUT }, async () => {
    const { root, locks, temp } = await lockDirectories();
    const instances = [new FileLocks(locks, temp), new FileLocks(locks, temp)];
    const lost: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const counter = join(root, `counter-${round}`);
      await Promise.all(Array.from({ length: CHANGES }, (_, i) => instances[i % 2]!.withLock('counter', () => incrementCounter(counter))));
      const value = Number(await readFile(counter, 'utf8'));
      if (value !== CHANGES) lost.push(`round ${round}: ${value} of ${CHANGES}`);
    }
    expect(lost).toEqual([]);
    expect([...(await readdir(locks)), ...(await readdir(temp))]).toEqual([]);
  });

  it('loses no update made through two storages on one directory in one process', { timeout: TIMEOUT }, async () => {
    const directory = await tempDir();
    const storages = [createFsStorage(directory), createFsStorage(directory)];
    onCleanup(() => Promise.all(storages.map((storage) => storage.close())).then(() => undefined));
    const rounds = Math.max(1, Math.ceil(ROUNDS / 4));
    const lost: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const name = `stress-${round}`;
      await Promise.all(
        Array.from({ length: CHANGES }, (_, i) => storages[i % 2]!.updateDocument(name, (current) => addVersionEntry(current, name, `1.0.${i}`))),
      );
      // The files are put in place right after the changes resolve; the list waits for them.
      await storages[0]!.listPlugins();
      const count = await versionCount(directory, name);
      if (count !== CHANGES) lost.push(`round ${round}: ${count} of ${CHANGES} versions`);
    }
    expect(lost).toEqual([]);
  });

  it('loses no increment made by two processes and this one at once', { timeout: TIMEOUT }, async () => {
    const { root, locks, temp } = await lockDirectories();
    const counter = join(root, 'counter');
    const each = ROUNDS * 5;
    const children = [0, 1].map(() => spawnTypeScript('test/registry-server/fixtures/lock-counter.ts', [locks, temp, counter, String(each)]));
    await Promise.all(children.map((child) => child.waitForLine(/^ready$/)));
    const own = new FileLocks(locks, temp);
    for (let i = 0; i < each; i++) await own.withLock('counter', () => incrementCounter(counter));
    await Promise.all(children.map((child) => child.waitForLine(/^done$/)));
    expect(Number(await readFile(counter, 'utf8'))).toBe(3 * each);
  });

  it('loses no update made through storages in two processes and this one, taking turns with the write lease', { timeout: TIMEOUT }, async () => {
    const directory = await tempDir();
    const each = Math.max(CHANGES, ROUNDS);
    const children = [2, 3].map((major) =>
      spawnTypeScript('test/registry-server/fixtures/lock-storage-updates.ts', [directory, 'shared', String(major), String(each)]),
    );
    await Promise.all(children.map((child) => child.waitForLine(/^ready$/)));
    // Each storage holds the lease from its first write to its close; the others' writes wait for it.
    const storage = createFsStorage(directory, { lease: { waitMs: TIMEOUT } });
    await Promise.all(Array.from({ length: each }, (_, i) => storage.updateDocument('shared', (current) => addVersionEntry(current, 'shared', `1.0.${i}`))));
    await storage.close();
    await Promise.all(children.map((child) => child.waitForLine(/^done$/)));
    expect(await versionCount(directory, 'shared')).toBe(3 * each);
    expect(await readdir(join(directory, 'locks'))).toEqual([]);
  });
});
