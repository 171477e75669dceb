/**
 * The per-process directory of the file loader's private module copies:
 * `<os.tmpdir()>/plughub-modules-<pid>-<random>`, created with mkdtemp (mode
 * 0700, an unpredictable name) on first use and removed when the process
 * ends — on a normal exit, and on SIGINT, SIGTERM and SIGHUP. A signal
 * handler must not change what the signal does: when no other listener
 * handles the signal, the directory is removed and the signal raised again
 * with the default action restored, so the process still dies of it (exit
 * status 128 + n, as without plughub); when the application listens too, it
 * decides, and the directory goes with the 'exit' event if it exits. A
 * process killed outright (SIGKILL, a crash of the machine) cannot clean up:
 * every process sweeps, before creating its own, the folders of processes
 * that are gone (their pid is no longer alive) and that are older than a
 * short grace.
 */
import { rmSync } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'plughub-modules-';
const NAME = /^plughub-modules-(\d{1,10})-[A-Za-z0-9]{6}$/;
/** A folder of a dead process younger than this is left alone (its pid may belong to another pid namespace that just made it). */
export const STALE_MODULE_DIR_GRACE_MS = 60_000;
/** At most this many stale folders are removed per sweep, bounding the work of one start. */
const MAX_SWEPT = 100;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

let processDir: Promise<string> | undefined;

/** True when a process with this pid exists (also one of another user: EPERM). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Options of sweepStaleModuleDirs. */
export interface SweepOptions {
  /** The folder to sweep (default os.tmpdir()). */
  parent?: string;
  /** Folders modified less than this many ms ago stay (default 60 s). */
  graceMs?: number;
  /** The clock (epoch ms). */
  now?: number;
}

/**
 * Removes the module folders (`plughub-modules-<pid>-<random>`) of processes
 * that are no longer alive, when they are real directories of this user
 * older than the grace; returns their paths. Never throws: a folder that
 * cannot be read or removed is left.
 *
 * @example await sweepStaleModuleDirs(); // at start, before making this process's folder
 */
export async function sweepStaleModuleDirs(options: SweepOptions = {}): Promise<string[]> {
  const parent = options.parent ?? tmpdir();
  const graceMs = options.graceMs ?? STALE_MODULE_DIR_GRACE_MS;
  const now = options.now ?? Date.now();
  const uid = process.getuid?.();
  const names = await readdir(parent).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (removed.length >= MAX_SWEPT) break;
    const pid = Number(NAME.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    const path = join(parent, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid) || now - info.mtimeMs < graceMs) continue;
    try {
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Another process removed it first, or it is not ours to remove.
    }
  }
  return removed;
}

/** Removes `dir` when the process exits or is stopped by a signal nobody else handles, then lets the signal act. */
function removeAtEnd(dir: string): void {
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      // Another listener owns this signal: it decides whether the process ends ('exit' then cleans up).
      if (process.listenerCount(signal) > 1) return;
      remove();
      for (const [name, handler] of handlers) process.removeListener(name, handler);
      // With no listener left the default action is back: raise the signal again so the process dies of it.
      process.kill(process.pid, signal);
    };
    handlers.set(signal, onSignal);
    process.on(signal, onSignal);
  }
}

/**
 * This process's module folder: on first call, sweeps stale folders of dead
 * processes, creates `plughub-modules-<pid>-<random>` under os.tmpdir() and
 * arranges its removal at exit and on signals.
 *
 * @example const dir = await processModuleDir();
 */
export function processModuleDir(): Promise<string> {
  processDir ??= (async () => {
    await sweepStaleModuleDirs();
    const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-`));
    removeAtEnd(dir);
    return dir;
  })().catch((error: unknown) => {
    processDir = undefined; // a failed creation is tried again on the next import
    throw error;
  });
  return processDir;
}
