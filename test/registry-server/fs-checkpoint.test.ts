/**
 * A checkpoint of the filesystem driver's journal (fs-journal.ts) flushes
 * the files put in place so far while changes go on, and makes changes
 * wait only for its last step: putting in place and flushing what is left,
 * then emptying the journal, which then holds nothing and every file of
 * every change in place.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../registry-server/fs/journal.js';
import { FsJournal } from '../../registry-server/storage/fs-journal.js';
import { snapshotOfBytes } from '../../registry-server/storage/snapshot.js';
import { onCleanup, tempDir } from './helpers.js';

const encoder = new TextEncoder();

/** A journal over a fresh data directory whose checkpoint flushes wait while `held` (and record what they flushed). */
async function journalIn() {
  const root = await tempDir();
  const paths = { blobs: join(root, 'blobs'), plugins: join(root, 'plugins'), temp: join(root, 'tmp') };
  for (const path of Object.values(paths)) await mkdir(path);
  const flushes: { files: readonly string[]; release: () => void }[] = [];
  let flushStarted: (() => void) | undefined;
  const gate = { held: false, failNext: false };
  const journal = new FsJournal({
    root,
    ...paths,
    documentPath: (name) => join(paths.plugins, `${name}.json`),
    maxDocumentBytes: 1 << 20,
    log: () => undefined,
    checkpointMs: 60_000,
    flushFiles: (files) =>
      new Promise<void>((resolve) => {
        flushes.push({ files, release: resolve });
        flushStarted?.();
        if (gate.failNext) {
          gate.failNext = false;
          throw new Error('the disk failed a flush');
        }
        if (!gate.held) resolve();
      }),
  });
  onCleanup(() => journal.close());
  await journal.recover();
  const commit = async (name: string, text: string) =>
    journal.commit({ name, snapshot: await snapshotOfBytes(encoder.encode(JSON.stringify({ name, text }))), blobs: [] });
  const nextFlush = () => new Promise<void>((resolve) => (flushStarted = resolve));
  /** The records the journal file holds. */
  const records = async () => (await readJournal(join(root, 'journal.log'), 1 << 20, async () => undefined)).records;
  /**
   * Commits `first`, starts a checkpoint whose early round holds first.json,
   * commits `second` while that round's flush is held, then lets the rounds
   * after it go on (the round under the gate fails when `failLast`).
   */
  const checkpointBesideChange = async (failLast = false) => {
    await commit('first', 'one');
    await journal.placement.settled();
    gate.held = true;
    const started = nextFlush();
    const checkpoint = journal.checkpoint();
    await started;
    const early = flushes.at(-1)!;
    await commit('second', 'two');
    gate.held = false;
    gate.failNext = failLast;
    return { checkpoint, early };
  };
  return { paths, journal, flushes, records, checkpointBesideChange };
}

describe('fs storage checkpoint', () => {
  it('flushes the files put in place while changes go on, and empties the journal with every change in place', async () => {
    const { paths, flushes, records, checkpointBesideChange } = await journalIn();
    // The flush of the files placed so far is under way: a change still commits (it waited for the whole checkpoint before).
    const { checkpoint, early } = await checkpointBesideChange();
    expect(early.files).toEqual([join(paths.plugins, 'first.json')]);
    for (const flush of flushes) flush.release();
    await checkpoint;

    expect(JSON.parse(await readFile(join(paths.plugins, 'second.json'), 'utf8'))).toEqual({ name: 'second', text: 'two' });
    expect(flushes.flatMap((flush) => flush.files)).toContain(join(paths.plugins, 'second.json'));
    expect(await records()).toBe(0);
  });

  it('keeps the journal and hands every path to the next checkpoint when a flush fails, whichever round it failed in', async () => {
    const { paths, journal, flushes, records, checkpointBesideChange } = await journalIn();
    // The early round holds first.json; second is committed meanwhile, and the round under the gate fails.
    const { checkpoint, early } = await checkpointBesideChange(true);
    early.release();
    await expect(checkpoint).rejects.toThrow('the disk failed a flush');
    expect(await records()).toBe(2);

    const before = flushes.length;
    await journal.checkpoint();
    const again = flushes.slice(before).flatMap((flush) => flush.files);
    expect(again).toEqual(expect.arrayContaining([join(paths.plugins, 'first.json'), join(paths.plugins, 'second.json')]));
    expect(await records()).toBe(0);
  });
});
