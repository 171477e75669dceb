/**
 * The filesystem lock (registry-server/fs/lock.ts) against holders that live,
 * die, hang and come back: a live holder keeps its lock past the stale time
 * through its heartbeat, a killed one loses it at once, a hung one after the
 * stale time without its late release removing the next holder's lock, and
 * an abandoned lock is broken by exactly one of many waiters.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLocks, LockTimeoutError } from '../../registry-server/fs/lock.js';
import { ownOwner, type LockOwner } from '../../registry-server/fs/lock-owner.js';
import { incrementCounter } from './fixtures/lock-work.js';
import { lockDirectories } from './helpers.js';
import { spawnTypeScript, type Child } from './processes.js';

const WAITERS = 8;

/** A child holding the lock `held` (see fixtures/lock-holder.ts), once it says so. */
async function startHolder(locks: string, temp: string, marker: string, staleMs: number, hold: number | 'forever'): Promise<Child> {
  const child = spawnTypeScript('test/registry-server/fixtures/lock-holder.ts', [locks, temp, String(staleMs), String(hold), marker]);
  await child.waitForLine(/^holding$/);
  return child;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** Puts in place, by hand, a lock `name` owned by `owner`, its heartbeat `ageMs` old. */
async function plantLock(locks: string, name: string, owner: LockOwner, ageMs = 0): Promise<void> {
  const directory = join(locks, `${name}.lock`);
  await mkdir(directory);
  const file = join(directory, `${owner.nonce}.owner`);
  await writeFile(file, JSON.stringify(owner));
  const at = new Date(Date.now() - ageMs);
  await utimes(file, at, at);
}

/** Runs WAITERS increments at once, each through its own FileLocks, failing if two ever overlap. */
async function contend(locks: string, temp: string, counter: string, options = {}): Promise<void> {
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: WAITERS }, () =>
      new FileLocks(locks, temp, { timeoutMs: 10_000, ...options }).withLock('counter', async () => {
        most = Math.max(most, ++inside);
        await incrementCounter(counter);
        inside--;
      }),
    ),
  );
  expect(most).toBe(1);
  expect(Number(await readFile(counter, 'utf8'))).toBe(WAITERS);
}

const nonce = (i: number) => i.toString(16).padStart(24, '0');

describe('filesystem lock', () => {
  it('never breaks a lock whose live holder keeps it longer than the stale time', async () => {
    const { root, locks, temp } = await lockDirectories();
    const marker = join(root, 'holder-inside');
    const holder = await startHolder(locks, temp, marker, 400, 1200);
    const waiter = new FileLocks(locks, temp, { staleMs: 400, timeoutMs: 15_000 });
    const holderWasInside = await waiter.withLock('held', async () => existsSync(marker));
    expect(holderWasInside).toBe(false);
    await holder.waitForLine(/^released$/);
  });

  it('breaks at once the lock of a holder killed while holding it', async () => {
    const { root, locks, temp } = await lockDirectories();
    const holder = await startHolder(locks, temp, join(root, 'holder-inside'), 60_000, 'forever');
    holder.process.kill('SIGKILL');
    await holder.exited;
    const waiter = new FileLocks(locks, temp, { timeoutMs: 3000 });
    expect(await waiter.withLock('held', async () => 'taken')).toBe('taken');
    expect(await readdir(locks)).toEqual([]);
  });

  it('breaks the lock of a hung holder after the stale time, and its late release leaves the new holder alone', async () => {
    const { root, locks, temp } = await lockDirectories();
    const holder = await startHolder(locks, temp, join(root, 'holder-inside'), 300, 500);
    holder.process.kill('SIGSTOP');
    const waiter = new FileLocks(locks, temp, { staleMs: 300, timeoutMs: 10_000 });
    const third = new FileLocks(locks, temp, { staleMs: 300, timeoutMs: 300 });
    await waiter.withLock('held', async () => {
      holder.process.kill('SIGCONT');
      await holder.waitForLine(/^released$/);
      await expect(third.withLock('held', async () => 'taken')).rejects.toThrow(LockTimeoutError);
    });
    expect(await third.withLock('held', async () => 'taken')).toBe('taken');
    expect(await readdir(locks)).toEqual([]);
  });

  it('lets exactly one of many waiters break an abandoned lock at a time', async () => {
    const { root, locks, temp } = await lockDirectories();
    const dead = await deadPid();
    const abandoned: [string, LockOwner, number][] = [
      ['dead process', { ...ownOwner(nonce(1)), pid: dead, thread: 0 }, 0],
      ['earlier life of this pid', ownOwner(nonce(2)), 0],
      ['stale heartbeat on another host', { ...ownOwner(nonce(3)), host: 'elsewhere.invalid', machine: '' }, 60_000],
      ['unreadable owner, stale heartbeat', { nonce: nonce(4) } as LockOwner, 60_000],
    ];
    for (let round = 0; round < 10; round++) {
      for (const [label, owner, age] of abandoned) {
        const counter = join(root, `counter-${round}-${owner.nonce}`);
        await plantLock(locks, 'counter', owner, age);
        await expect(contend(locks, temp, counter, { staleMs: 30_000 }), label).resolves.toBeUndefined();
        expect(await readdir(locks)).toEqual([]);
      }
    }
    expect(await readdir(temp)).toEqual([]);
  });

  it('does not judge by its pid a holder in another pid namespace (a container sharing the directory)', async () => {
    const { locks, temp } = await lockDirectories();
    await plantLock(locks, 'counter', { ...ownOwner(nonce(6)), pid: await deadPid(), thread: 0, machine: 'another-boot pid:[1]' });
    const waiter = new FileLocks(locks, temp, { staleMs: 30_000, timeoutMs: 200 });
    await expect(waiter.withLock('counter', async () => 'taken')).rejects.toThrow(LockTimeoutError);
  });

  it('waits for a lock another host holds while its heartbeat is fresh, and names the holder', async () => {
    const { locks, temp } = await lockDirectories();
    await plantLock(locks, 'counter', { ...ownOwner(nonce(5)), pid: 4242, host: 'elsewhere.invalid', machine: '' });
    const waiter = new FileLocks(locks, temp, { staleMs: 30_000, timeoutMs: 200 });
    await expect(waiter.withLock('counter', async () => 'taken')).rejects.toThrow(/timed out after 200 ms .* \(held by pid 4242 on elsewhere\.invalid\)/);
  });
});
