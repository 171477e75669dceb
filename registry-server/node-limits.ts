/**
 * Connection limits of the node:http bridge, against clients that open
 * sockets and hold them: a request head must arrive within
 * `headersTimeoutMs` (node:http times a head once its first byte is in; a
 * timer of our own closes a new socket that sends nothing), a whole request
 * within `requestTimeoutMs`, an idle keep-alive connection is closed after
 * `keepAliveTimeoutMs` (Node 20 adds one second) and any socket silent both
 * ways after `idleTimeoutMs`; at most `maxConnections` sockets
 * are open at once (more are closed as soon as they are accepted), kept
 * below the process's file-descriptor limit; and an error accepting a
 * connection (`EMFILE`: out of descriptors) is logged, never thrown, so the
 * server keeps serving the connections it has.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RegistryLogEntry } from './options.js';

/** The connection limits, in milliseconds (connections: a count). */
export interface ConnectionLimits {
  /** A new connection must send a complete request head within this time, and a later request's head must take no longer (default 5000). */
  headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this time (default 120 000: above the registry's 60 s upload limit). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time (default 5000). */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way is closed after this time, also one that stops reading a response (default 30 000). */
  idleTimeoutMs: number;
  /** Most sockets open at once (default: 1000, fewer when the file-descriptor limit needs it; see defaultMaxConnections). */
  maxConnections: number;
}

/** The default connection limits; maxConnections is derived from the descriptor limit. */
export function defaultConnectionLimits(): ConnectionLimits {
  return { headersTimeoutMs: 5000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 5000, idleTimeoutMs: 30_000, maxConnections: defaultMaxConnections() };
}

/**
 * 1000 connections, or fewer when the open-file limit needs it: at most 3/4
 * of the limit, and at least 64 descriptors left over, for the runtime, the
 * data directory's files and locks, and spooled uploads (768 with the common
 * limit of 1024). Node raises the soft limit to the hard one at start, so the
 * limit read here is the one in force.
 */
export function defaultMaxConnections(limit = openFileLimit()): number {
  if (limit === undefined) return 1000;
  return Math.max(1, Math.min(1000, Math.floor(limit * 0.75), limit - 64));
}

/** The soft limit on open files, from /proc/self/limits; undefined where that is not readable. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/** The options node:http's createServer takes for these limits. */
export function serverTimeouts(limits: ConnectionLimits): { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Applies the limits that are set on a created server, and logs accept errors instead of crashing on them. */
export function limitConnections(server: Server, limits: ConnectionLimits, log: (entry: RegistryLogEntry) => void): void {
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  const firstRequest = new WeakMap<Socket, ReturnType<typeof setTimeout>>();
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    timer.unref();
    firstRequest.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.on('request', (request: IncomingMessage) => {
    clearTimeout(firstRequest.get(request.socket));
    firstRequest.delete(request.socket);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    const hint = error.code === 'EMFILE' || error.code === 'ENFILE' ? ' (out of file descriptors: lower maxConnections or raise the limit)' : '';
    log({ level: 'error', message: `could not accept a connection: ${error.message}${hint}`, error });
  });
}

/** Checks that every limit is a positive integer. */
export function checkConnectionLimits(limits: ConnectionLimits): ConnectionLimits {
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`serveNode: ${key} must be a positive integer (got ${value})`);
  }
  return limits;
}
