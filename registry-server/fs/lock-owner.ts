/**
 * Who holds a filesystem lock (see lock.ts): the owner record written in a
 * lock, read back with a bounded read, and the test of whether its holder is
 * certainly gone. A holder counts as gone when it ran on this machine (same
 * host name, boot and pid namespace, so that a container sharing the
 * directory is never judged by pids it cannot see) and its pid is not alive,
 * or when its heartbeat (the owner file's mtime, refreshed while it holds
 * the lock) is older than the stale time.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { isProcessAlive } from './temp-files.js';

/** What a lock's owner file records. */
export interface LockOwner {
  pid: number;
  /** The worker thread that holds it (0: the main thread). */
  thread: number;
  host: string;
  /** Boot and pid namespace of the holder's machine ('' when unknown). */
  machine: string;
  nonce: string;
}

/** An owner as read from a lock, with its last heartbeat (ms since the epoch). */
export interface ObservedOwner extends LockOwner {
  heartbeatAt: number;
}

/** Owner records are a few hundred bytes; a bigger file is not one. */
const MAX_OWNER_BYTES = 4096;

let thisMachine: string | undefined;

/** This machine as owner records name it: boot id and pid namespace on Linux, '' elsewhere. */
export function machineIdentity(): string {
  if (thisMachine !== undefined) return thisMachine;
  let boot = '';
  let namespace = '';
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    namespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    // Not Linux (or no /proc): the host name alone identifies the machine.
  }
  thisMachine = boot === '' ? '' : `${boot} ${namespace}`;
  return thisMachine;
}

/** The owner record of a lock about to be taken by this thread. */
export function ownOwner(nonce: string): LockOwner {
  return { pid: process.pid, thread: threadId, host: hostname(), machine: machineIdentity(), nonce };
}

/**
 * Reads an owner file: its record (an unknown owner when it does not parse)
 * and its mtime as the heartbeat; undefined when the file is gone. A lock
 * file of an older version (`legacy`) was never refreshed: the time it
 * records (`at`, when it was taken) is its heartbeat.
 */
export async function readOwnerFile(path: string, nonce: string, legacy = false): Promise<ObservedOwner | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const info = await handle.stat();
    const buffer = Buffer.alloc(MAX_OWNER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_OWNER_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const owner = parseOwner(text) ?? unknownOwner(nonce);
    const at = legacy ? legacyTakenAt(text) : undefined;
    return { ...owner, heartbeatAt: at ?? info.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** An owner nobody can identify: broken only once its heartbeat is stale. */
export function unknownOwner(nonce: string): LockOwner {
  return { pid: 0, thread: 0, host: '', machine: '', nonce };
}

/** The owner record in `text`, or undefined. Records of older versions (no thread, no machine) parse too. */
export function parseOwner(text: string): LockOwner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { pid, thread = 0, host, machine = '', nonce } = record;
  if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(thread) || typeof host !== 'string' || typeof machine !== 'string' || typeof nonce !== 'string') {
    return undefined;
  }
  return { pid: pid as number, thread: thread as number, host, machine, nonce };
}

/** The time a lock file of an older version says it was taken, if it says. */
function legacyTakenAt(text: string): number | undefined {
  try {
    const at = (JSON.parse(text) as { at?: unknown } | null)?.at;
    return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the holder recorded in `owner` certainly no longer holds the
 * lock: it ran on this machine and its process is gone (or it is this very
 * thread, which does not hold it: `heldHere` says which nonces it does), or
 * its heartbeat is older than `staleMs`.
 */
export function isAbandoned(owner: ObservedOwner, staleMs: number, heldHere: ReadonlySet<string>, now = Date.now()): boolean {
  const self = ownOwner(owner.nonce);
  const sameMachine = owner.pid > 0 && owner.host === self.host && (owner.machine === '' || owner.machine === self.machine);
  if (sameMachine && owner.pid === self.pid && owner.thread === self.thread) return !heldHere.has(owner.nonce);
  if (sameMachine && owner.pid !== self.pid && !isProcessAlive(owner.pid)) return true;
  return now - owner.heartbeatAt > staleMs;
}

/** Names a holder for an error message. */
export function describeOwner(owner: LockOwner): string {
  if (owner.pid === 0) return 'an unknown process';
  const thread = owner.thread === 0 ? '' : ` (thread ${owner.thread})`;
  return `pid ${owner.pid}${thread} on ${owner.host}`;
}
