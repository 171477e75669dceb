/**
 * The write-ahead journal of the filesystem driver (fs/journal.ts,
 * storage/fs-journal.ts): an acknowledged publish survives a process killed
 * before any checkpoint, even when the files put in place were lost with it;
 * a torn tail is dropped; a damaged record ends the replay without taking a
 * document back; one flush answers every writer whose record it covers, and
 * none before its record is flushed.
 */
import { open as openFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeIntegrity } from '../../src/core/integrity.js';
import type { PluginDocument } from '../../src/core/registry/document.js';
import { JournalFile, PREALLOCATED_BYTES, readJournal } from '../../registry-server/fs/journal.js';
import { createFsStorage, type RegistryLogEntry } from '../../registry-server/index.js';
import { onCleanup, tempDir } from './helpers.js';
import { kill, spawnTypeScript } from './processes.js';

const COUNT = 5;
const versions = Array.from({ length: COUNT }, (_, i) => `1.0.${i}`);

/** A data directory whose publisher was killed after COUNT acknowledged publishes, none checkpointed (`unplaced`: their files never put in place). */
async function killedPublisher(mode: 'placed' | 'unplaced' = 'placed'): Promise<string> {
  const directory = await tempDir();
  const child = spawnTypeScript('test/registry-server/fixtures/journal-publisher.ts', [directory, String(COUNT), ...(mode === 'unplaced' ? ['unplaced'] : [])]);
  await child.waitForLine(/^done$/);
  await kill(child);
  expect(child.output().match(/^published \S+$/gm)).toHaveLength(COUNT);
  if (mode === 'unplaced') expect(child.output().match(/^served \S+$/gm)).toHaveLength(COUNT);
  expect((await stat(join(directory, 'journal.log'))).size).toBeGreaterThan(COUNT * 4096);
  return directory;
}

/** Opens the directory as the next server would, once its start-up (replay included) is done. */
async function reopen(directory: string) {
  const logged: RegistryLogEntry[] = [];
  const storage = createFsStorage(directory, { log: (entry) => logged.push(entry) });
  onCleanup(() => storage.close());
  const list = await storage.listPlugins();
  const snapshot = await storage.getDocument('journaled', { fresh: true });
  const document = snapshot && (JSON.parse(new TextDecoder().decode(snapshot.bytes)) as PluginDocument);
  return { storage, logged, list, document };
}

/** Where the records of the journal at `path` end (the byte after the last good one), and how many there are. */
async function recordsOf(path: string): Promise<{ end: number; records: number; droppedBytes: number }> {
  let end = 0;
  const result = await readJournal(path, 64 * 1024 * 1024, async (payload, offset) => {
    end = offset + 12 + payload.byteLength;
  });
  return { end, records: result.records, droppedBytes: result.droppedBytes };
}

/** Every version's bundle is in place and has the integrity its document records. */
async function expectBlobs(directory: string, document: PluginDocument): Promise<void> {
  for (const [version, entry] of Object.entries(document.versions)) {
    const bytes = await readFile(join(directory, 'blobs', 'sha256', entry.dist.url.split('/').pop()!));
    expect(await computeIntegrity(new Uint8Array(bytes)), version).toBe(entry.dist.integrity);
  }
}

describe('the journal of a data directory', () => {
  it('replays every acknowledged publish of a killed process, even when the files it put in place were lost', { timeout: 60_000 }, async () => {
    const directory = await killedPublisher();
    // What a power cut may do to files renamed into place but not flushed yet: they are gone.
    await rm(join(directory, 'plugins', 'journaled'), { recursive: true });
    for (const blob of await readdir(join(directory, 'blobs', 'sha256'))) await rm(join(directory, 'blobs', 'sha256', blob));

    const { logged, list, document } = await reopen(directory);
    expect(Object.keys(document!.versions)).toEqual(versions);
    await expectBlobs(directory, document!);
    expect(list.map((summary) => [summary.name, summary.latest])).toEqual([['journaled', '1.0.4']]);
    expect(await recordsOf(join(directory, 'journal.log'))).toEqual({ end: 0, records: 0, droppedBytes: 0 });
    expect(logged).toEqual([]);
  });

  it('replays the publishes a process acknowledged and served but was killed before putting in place', { timeout: 60_000 }, async () => {
    const directory = await killedPublisher('unplaced');
    expect(await readdir(join(directory, 'plugins'))).toEqual(['journaled']);
    expect(await readdir(join(directory, 'plugins', 'journaled'))).toEqual([]);
    expect(await readdir(join(directory, 'blobs', 'sha256'))).toEqual([]);

    const { logged, list, document } = await reopen(directory);
    expect(Object.keys(document!.versions)).toEqual(versions);
    await expectBlobs(directory, document!);
    expect(list.map((summary) => [summary.name, summary.latest])).toEqual([['journaled', '1.0.4']]);
    expect(await recordsOf(join(directory, 'journal.log'))).toEqual({ end: 0, records: 0, droppedBytes: 0 });
    expect(logged).toEqual([]);
  });

  it('drops a torn tail, logging it, and keeps every record before it', { timeout: 60_000 }, async () => {
    const directory = await killedPublisher();
    const journal = join(directory, 'journal.log');
    const { end } = await recordsOf(journal);
    const handle = await openFile(journal, 'r+');
    // A frame whose record was cut short by the crash, the file ending in it.
    await handle.write((await readFile(journal)).subarray(0, 100), 0, 100, end);
    await handle.truncate(end + 100);
    await handle.close();
    const { logged, document } = await reopen(directory);
    expect(Object.keys(document!.versions)).toEqual(versions);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(/^journal: dropped the last 100 bytes of .*journal\.log \(a record cut short at byte \d+\)/),
      }),
    ]);
    expect(await recordsOf(journal)).toEqual({ end: 0, records: 0, droppedBytes: 0 });
  });

  it('stops at a record failing its checksum, and never takes a document back to an earlier record', { timeout: 60_000 }, async () => {
    const directory = await killedPublisher();
    const journal = join(directory, 'journal.log');
    const { end } = await recordsOf(journal);
    const handle = await openFile(journal, 'r+');
    await handle.write(Buffer.from('X'), 0, 1, end - 3); // inside the last record's document
    await handle.close();
    const { logged, document } = await reopen(directory);
    // The last record is dropped; the document already in place (which holds its version) is not replaced by the one before.
    expect(Object.keys(document!.versions)).toEqual(versions);
    await expectBlobs(directory, document!);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).toMatch(/a record failing its checksum at byte \d+/);
  });

  it('answers no writer before a flush that began after its record was written, one flush serving all who waited', async () => {
    const path = join(await tempDir(), 'journal.log');
    const flushes: { done: () => void }[] = [];
    const file = new JournalFile(path, () => new Promise<void>((resolve) => flushes.push({ done: resolve })));
    onCleanup(() => file.close());
    await file.preallocate();
    const answered: string[] = [];
    const append = (name: string) => file.append([new TextEncoder().encode(name)]).then(() => void answered.push(name));
    const first = append('a');
    await Promise.resolve();
    const later = [append('b'), append('c'), append('d')];
    expect(flushes).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toEqual([]);
    flushes[0]!.done();
    await first;
    expect(answered).toEqual(['a']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).toHaveLength(2); // b, c and d written together, waiting for one flush
    expect(answered).toEqual(['a']);
    flushes[1]!.done();
    await Promise.all(later);
    expect(answered).toEqual(['a', 'b', 'c', 'd']);
    expect(flushes).toHaveLength(2);

    const read: string[] = [];
    const result = await readJournal(path, 1024, async (payload) => void read.push(new TextDecoder().decode(payload)));
    expect(result).toEqual({ records: 4, droppedBytes: 0 });
    expect(read).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses to read a record larger than its bound, reading no further', async () => {
    const path = join(await tempDir(), 'journal.log');
    const file = new JournalFile(path);
    await file.append([new Uint8Array(10)]);
    await file.append([new Uint8Array(5000)]);
    await file.close();
    const result = await readJournal(path, 1000, async () => undefined);
    // Everything after the first record: the second, the end marker, the zeros allocated ahead.
    expect(result).toEqual({
      records: 1,
      droppedBytes: (await stat(path)).size - 22,
      problem: 'a record of 5000 bytes, more than the 1000 allowed at byte 22',
    });
  });

  it('writes records over the zeros allocated ahead of them, and starts again at the beginning once emptied', async () => {
    const path = join(await tempDir(), 'journal.log');
    const file = new JournalFile(path);
    onCleanup(() => file.close());
    await file.preallocate();
    const allocated = (await stat(path)).size;
    expect(allocated).toBeGreaterThanOrEqual(PREALLOCATED_BYTES);
    const read = async () => {
      const payloads: string[] = [];
      const result = await readJournal(path, 1024, async (payload) => void payloads.push(new TextDecoder().decode(payload)));
      return { ...result, payloads };
    };
    await file.append([new TextEncoder().encode('first')]);
    await file.append([new TextEncoder().encode('second')]);
    expect(await read()).toEqual({ records: 2, droppedBytes: 0, payloads: ['first', 'second'] });
    expect((await stat(path)).size).toBe(allocated);
    await file.truncate();
    expect(await read()).toEqual({ records: 0, droppedBytes: 0, payloads: [] });
    await file.append([new TextEncoder().encode('third')]);
    // The older records after the new one are never read again.
    expect(await read()).toEqual({ records: 1, droppedBytes: 0, payloads: ['third'] });
    // Records reaching the end of the allocation grow it, zeros ahead again.
    await file.append([new Uint8Array(allocated)]);
    expect((await stat(path)).size).toBeGreaterThan(allocated + 12);
    const grown = await readJournal(path, 2 * allocated, async () => undefined);
    expect(grown).toEqual({ records: 2, droppedBytes: 0 });
  });

  it('grows the file in the background once the records fill half of it, and keeps every record readable', async () => {
    const path = join(await tempDir(), 'journal.log');
    const file = new JournalFile(path);
    await file.preallocate();
    const allocated = (await stat(path)).size;
    const half = new Uint8Array(allocated / 2);
    half.fill(7);
    await file.append([half]);
    await file.append([new TextEncoder().encode('after')]);
    // Closing waits for the growth under way: the file is larger by as much again as it was (16 MiB at most).
    await file.close();
    expect((await stat(path)).size).toBe(allocated + Math.min(allocated, 16 * 1024 * 1024));
    const payloads: number[] = [];
    expect(await readJournal(path, allocated, async (payload) => void payloads.push(payload.byteLength))).toEqual({ records: 2, droppedBytes: 0 });
    expect(payloads).toEqual([allocated / 2, 5]);
  });
});
