/**
 * The filesystem driver's index gathers updates (fs-index.ts): a write of
 * index.json waits `writeDelayMs` after the previous one and carries every
 * update that arrived meanwhile, so a registry taking many publishes does not
 * rewrite the whole index once per publish; whoever waits for the updates
 * (listing in this process, closing) has them written at once.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../registry-server/index.js';
import { FsIndex } from '../../registry-server/storage/fs-index.js';
import { documentOf, tempDir } from './helpers.js';

/** An index over an empty data directory, whose writes wait `writeDelayMs`; its locks run the work at once (one process), counting each write. */
async function indexIn(writeDelayMs: number) {
  const locked = { writes: 0 };
  const data = await tempDir();
  for (const folder of ['plugins', 'tmp']) await mkdir(join(data, folder));
  const file = join(data, 'index.json');
  const index = new FsIndex(
    { file, plugins: join(data, 'plugins'), temp: join(data, 'tmp'), maxIndexBytes: 1 << 20, maxDocumentBytes: 1 << 20, log: () => undefined, writeDelayMs },
    {
      withLock: (_name, work) => {
        locked.writes++;
        return work();
      },
    },
  );
  await index.rebuild();
  locked.writes = 0;
  const written = async () => Object.keys((JSON.parse(await readFile(file, 'utf8')) as { plugins: object }).plugins);
  return { index, file, written, locked };
}

describe('fs storage index writes', () => {
  it('gathers the updates of the delay into one write, and writes at once for whoever waits for them', async () => {
    const { index, file, written, locked } = await indexIn(60_000);
    const before = await stat(file);
    const updates = ['alpha', 'beta', 'gamma'].map((name) => index.update(name, summarize(documentOf(name)), undefined));
    // Without the delay the write would have started by now (it takes the index lock a microtask after the update).
    await new Promise((resolve) => setImmediate(resolve));
    expect(locked.writes).toBe(0);
    expect((await stat(file)).ino).toBe(before.ino);
    expect(await written()).toEqual([]);

    // Listing does not wait out the minute: the test's own timeout would end it first.
    const list = await index.list();
    expect(list.map((row) => row.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(await written()).toEqual(['alpha', 'beta', 'gamma']);
    await Promise.all(updates);
    expect(locked.writes).toBe(1);
  });

  it('writes on its own once the delay is up', async () => {
    const { index, written } = await indexIn(1);
    await index.update('alpha', summarize(documentOf('alpha')), undefined);
    expect(await written()).toEqual(['alpha']);
  });
});
