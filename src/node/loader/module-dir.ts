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
 *
 * Earlier versions named the folder `plughub-modules-<random>` (no pid) and
 * removed it only on a normal exit, so such folders stay on machines. With
 * no pid to ask, they are swept by age: one not modified for a day. A
 * process of an earlier version that has run that long without writing a
 * new module there loses its copies; the modules it imported stay loaded.
 */
import { rmSync } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'plughub-modules-';
const NAME = /^plughub-modules-(\d{1,10})-[A-Za-z0-9]{6}$/;
/** The name earlier versions gave the folder: mkdtemp's six characters, no pid. */
const OLD_NAME = /^plughub-modules-[A-Za-z0-9]{6}$/;
/** A folder of a dead process younger than this is left alone (its pid may belong to another pid namespace that just made it). */
export const STALE_MODULE_DIR_GRACE_MS = 60_000;
/** A folder named as by earlier versions (no pid) is removed once not modified for this long. */
export const OLD_MODULE_DIR_MAX_AGE_MS = 24 * 60 * 60 * 1000;
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

/** How old (ms since its last modification) a folder named `name` must be to be swept; undefined: never (not a module folder, or its process lives). */
function minimumAge(name: string, graceMs: number, oldMaxAgeMs: number): number | undefined {
  if (OLD_NAME.test(name)) return oldMaxAgeMs;
  const pid = Number(NAME.exec(name)?.[1] ?? Number.NaN);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) return undefined;
  return graceMs;
}

/** Options of sweepStaleModuleDirs. */
export interface SweepOptions {
  /** The folder to sweep (default os.tmpdir()). */
  parent?: string;
  /** Folders of dead processes modified less than this many ms ago stay (default 60 s). */
  graceMs?: number;
  /** Folders named as by earlier versions (no pid) modified less than this many ms ago stay (default 24 h). */
  oldMaxAgeMs?: number;
  /** The clock (epoch ms). */
  now?: number;
}

/**
 * Removes the module folders (`plughub-modules-<pid>-<random>`) of processes
 * that are no longer alive, older than the grace, and the folders named as
 * by earlier versions (`plughub-modules-<random>`) older than a day, when
 * they are real directories (not links) of this user; at most 100 per call.
 * Returns their paths. Never throws: a folder that cannot be read or removed
 * is left.
 *
 * @example await sweepStaleModuleDirs(); // at start, before making this process's folder
 */
export async function sweepStaleModuleDirs(options: SweepOptions = {}): Promise<string[]> {
  const parent = options.parent ?? tmpdir();
  const graceMs = options.graceMs ?? STALE_MODULE_DIR_GRACE_MS;
  const oldMaxAgeMs = options.oldMaxAgeMs ?? OLD_MODULE_DIR_MAX_AGE_MS;
  const now = options.now ?? Date.now();
  const uid = process.getuid?.();
  const names = await readdir(parent).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (removed.length >= MAX_SWEPT) break;
    const age = minimumAge(name, graceMs, oldMaxAgeMs);
    if (age === undefined) continue;
    const path = join(parent, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid) || now - info.mtimeMs < age) continue;
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
 * This process's module folder: on first call, sweeps stale folders (of dead
 * processes, and old ones of earlier versions), creates `plughub-modules-<pid>-<random>` under os.tmpdir() and
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
