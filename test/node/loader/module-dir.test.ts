/**
 * The file loader's per-process module folder is removed when the process
 * is stopped by a signal (as Vitest stops its fork workers: `child.kill()`,
 * a SIGTERM), without changing what the signal does, and folders left by
 * processes that died without cleaning up (SIGKILL) are swept at the next
 * start, as are old ones named as earlier versions named them (no pid).
 * Each child runs with TMPDIR set to a fresh folder, so what it leaves
 * behind is all there is to see.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { lstat, lutimes, mkdir, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { OLD_MODULE_DIR_MAX_AGE_MS, sweepStaleModuleDirs } from '../../../src/node/loader/module-dir.js';
import { childEnv } from '../../e2e/spawn.js';
import { tempDir } from '../helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/module-dir-host.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

interface Host {
  pid: number;
  dir: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
  child: ChildProcess;
}

/** Forks the fixture host (as Vitest forks its workers) with TMPDIR=`tmp`; resolves once its module folder exists. */
function startHost(tmp: string, mode?: string): Promise<Host> {
  const child = fork(FIXTURE, mode ? [mode] : [], {
    cwd: ROOT,
    env: childEnv({ TMPDIR: tmp }),
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, stdout }));
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
        lines.on('line', (more) => (stdout += `${more}\n`));
        resolve({ pid, dir, exited, child });
      } catch {
        reject(new Error(`unexpected output: ${line}\n${stderr}`));
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`the host exited (${code ?? signal}) before it was ready:\n${stderr}`)));
  });
}

/** The module folders in `tmp`. */
async function moduleDirs(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('plughub-modules-')).sort();
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const HOUR_AGO = new Date(Date.now() - 60 * 60 * 1000);
const TWO_DAYS_AGO = new Date(Date.now() - 48 * 60 * 60 * 1000);

describe('the file loader module folder', () => {
  it('is named with the pid, and removed when the process is stopped as Vitest stops a worker (SIGTERM), which still kills it', async () => {
    const tmp = await tempDir();
    expect(await moduleDirs(tmp)).toEqual([]);
    const host = await startHost(tmp);
    expect(host.dir).toMatch(new RegExp(`/plughub-modules-${host.pid}-[A-Za-z0-9]{6}$`));
    expect(await moduleDirs(tmp)).toHaveLength(1);
    host.child.kill();
    expect(await host.exited).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(await moduleDirs(tmp)).toEqual([]);
  });

  it('is removed on SIGINT, and the process still dies of SIGINT', async () => {
    const tmp = await tempDir();
    const host = await startHost(tmp);
    host.child.kill('SIGINT');
    expect(await host.exited).toMatchObject({ code: null, signal: 'SIGINT' });
    expect(await moduleDirs(tmp)).toEqual([]);
  });

  it('leaves a signal the application handles to the application, and goes when it exits', async () => {
    const tmp = await tempDir();
    const host = await startHost(tmp, 'own-handler');
    host.child.kill('SIGTERM');
    expect(await host.exited).toEqual({ code: 0, signal: null, stdout: 'handled\n' });
    expect(await moduleDirs(tmp)).toEqual([]);
  });

  it('left by a killed process (SIGKILL), is swept at the next start; live, fresh, linked and young old-format ones stay', async () => {
    const tmp = await tempDir();
    const killed = await startHost(tmp);
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    const leftover = killed.dir.slice(tmp.length + 1);
    expect(await moduleDirs(tmp)).toEqual([leftover]);
    await utimes(killed.dir, HOUR_AGO, HOUR_AGO);

    const dead = await deadPid();
    const stay = {
      live: `plughub-modules-${process.pid}-aaaaaa`, // this test's own pid: alive
      fresh: `plughub-modules-${dead}-bbbbbb`, // dead, but within the grace
      link: `plughub-modules-${dead}-cccccc`, // dead and old, but a symbolic link
      old: `plughub-modules-zzzzzz`, // named as by earlier versions (no pid), but younger than a day
    };
    for (const name of [stay.live, stay.fresh, stay.old]) await mkdir(join(tmp, name));
    const target = join(tmp, 'target');
    await mkdir(target);
    await symlink(target, join(tmp, stay.link));
    for (const name of [stay.live, stay.old]) await utimes(join(tmp, name), HOUR_AGO, HOUR_AGO);

    const next = await startHost(tmp);
    const after = await moduleDirs(tmp);
    expect(after).not.toContain(leftover);
    expect(after).toEqual([...Object.values(stay), next.dir.slice(tmp.length + 1)].sort());
    expect((await lstat(target)).isDirectory()).toBe(true);
    next.child.kill();
    await next.exited;
  });

  it('named as by earlier versions (plughub-modules-XXXXXX, no pid), goes at the next start once older than a day; fresh, linked and other names stay', async () => {
    const tmp = await tempDir();
    const target = join(tmp, 'target');
    await mkdir(target);
    const gone = ['plughub-modules-Ab3xY9', 'plughub-modules-000000'];
    const stay = {
      fresh: 'plughub-modules-fresh1', // an hour old: its process may still run
      link: 'plughub-modules-link22', // old, but a symbolic link
      file: 'plughub-modules-file33', // old, but a file
      short: 'plughub-modules-abc', // old, but not a name mkdtemp makes
      other: 'plughub-modulesXabcdef', // old, but another prefix
    };
    for (const name of [...gone, stay.fresh, stay.short, stay.other]) await mkdir(join(tmp, name));
    await writeFile(join(tmp, gone[0]!, 'sha256-ab.mjs'), 'export default {};\n');
    await writeFile(join(tmp, stay.file), '');
    await symlink(target, join(tmp, stay.link));
    for (const name of [...gone, stay.short, stay.other, stay.file]) await utimes(join(tmp, name), TWO_DAYS_AGO, TWO_DAYS_AGO);
    await lutimes(join(tmp, stay.link), TWO_DAYS_AGO, TWO_DAYS_AGO);
    await utimes(join(tmp, stay.fresh), HOUR_AGO, HOUR_AGO);

    const host = await startHost(tmp);
    const after = (await readdir(tmp)).filter((name) => name.startsWith('plughub-modules')).sort();
    expect(after).toEqual([...Object.values(stay), host.dir.slice(tmp.length + 1)].sort());
    expect((await lstat(target)).isDirectory()).toBe(true);
    host.child.kill();
    await host.exited;
  });

  it('sweeps old-format folders by age from the day on, and at most 100 folders of either kind per start', async () => {
    const tmp = await tempDir();
    const now = Date.now();
    const justUnder = new Date(now - OLD_MODULE_DIR_MAX_AGE_MS + 60_000);
    const justOver = new Date(now - OLD_MODULE_DIR_MAX_AGE_MS - 60_000);
    await mkdir(join(tmp, 'plughub-modules-under1'));
    await utimes(join(tmp, 'plughub-modules-under1'), justUnder, justUnder);
    const dead = await deadPid();
    const old = Array.from({ length: 60 }, (_, i) => `plughub-modules-old${String(i).padStart(3, '0')}`);
    const stale = Array.from({ length: 60 }, (_, i) => `plughub-modules-${dead}-st${String(i).padStart(4, '0')}`);
    for (const name of [...old, ...stale]) {
      await mkdir(join(tmp, name));
      await utimes(join(tmp, name), justOver, justOver);
    }

    const first = await sweepStaleModuleDirs({ parent: tmp, now });
    expect(first).toHaveLength(100);
    const second = await sweepStaleModuleDirs({ parent: tmp, now });
    expect(second).toHaveLength(20);
    expect([...first, ...second].map((path) => path.slice(tmp.length + 1)).sort()).toEqual([...old, ...stale].sort());
    expect(await moduleDirs(tmp)).toEqual(['plughub-modules-under1']);
  });
});
