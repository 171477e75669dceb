/**
 * Connection limits of the node:http bridge, against clients that open
 * sockets and hold them: a request head must arrive within
 * `headersTimeoutMs` (node:http times a head once its first byte is in; a
 * timer of our own closes a new socket that sends nothing), a whole request
 * within `requestTimeoutMs`, an idle keep-alive connection is closed after
 * `keepAliveTimeoutMs` (Node 20 adds one second) and a socket silent both
 * ways for `idleTimeoutMs` while a request is being answered (`watchIdle`:
 * an upload that stalls, a response the client stops reading; before and
 * between requests the headers and keep-alive timeouts apply, so a hot
 * read answered at once pays for no timer). At most `maxConnections` sockets are open at
 * once, kept below the process's file-descriptor limit: a connection past
 * that is admitted by closing the keep-alive connection idle the longest
 * (between two requests), and closed at once only when every other is in a
 * request or has not sent one yet — so a client holding every connection
 * with a keep-alive GET now and then cannot lock others out. One address (an
 * IPv6 client: its /64) holds at most `maxConnectionsPerAddress`; more are
 * closed as soon as they are accepted. An error accepting a connection
 * (`EMFILE`: out of descriptors) is logged, never thrown, so the server
 * keeps serving the connections it has.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RegistryLogEntry } from '../options.js';

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
  /**
   * A response must be sent within this time, plus the time its body takes
   * at `minSendBytesPerSecond` when its size is known (default 60 000): a
   * client that reads a blob a window at a time cannot hold its connection
   * for ever; the socket is closed when the time is up.
   */
  sendTimeoutMs: number;
  /** The slowest a client may read a response past `sendTimeoutMs` (default 65 536: a 64 MiB bundle gets 17 minutes more). */
  minSendBytesPerSecond: number;
  /** Most sockets open at once (default: 1000, fewer when the file-descriptor limit needs it; see defaultMaxConnections). */
  maxConnections: number;
  /**
   * Most sockets one client address holds at once (an IPv6 address counts as
   * its /64); default 64. Behind a reverse proxy every connection comes from
   * the proxy's address: raise it to maxConnections there.
   */
  maxConnectionsPerAddress: number;
}

/** How long sending a response of `bytes` (undefined: not known) may take. */
export function sendDeadlineMs(limits: Pick<ConnectionLimits, 'sendTimeoutMs' | 'minSendBytesPerSecond'>, bytes: number | undefined): number {
  return limits.sendTimeoutMs + Math.ceil(((bytes ?? 0) / limits.minSendBytesPerSecond) * 1000);
}

/** Default of ConnectionLimits.maxConnectionsPerAddress. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;

/** The default connection limits; maxConnections is derived from the descriptor limit. */
export function defaultConnectionLimits(): ConnectionLimits {
  return {
    headersTimeoutMs: 5000,
    requestTimeoutMs: 120_000,
    keepAliveTimeoutMs: 5000,
    idleTimeoutMs: 30_000,
    sendTimeoutMs: 60_000,
    minSendBytesPerSecond: 64 * 1024,
    maxConnections: defaultMaxConnections(),
    maxConnectionsPerAddress: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  };
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
export function serverTimeouts(limits: ConnectionLimits): {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Applies the limits that are set on a created server, and logs accept
 * errors instead of crashing on them. The bridge tells the returned table
 * when each request starts and ends (requestStarted, requestEnded).
 */
export function limitConnections(server: Server, limits: ConnectionLimits, log: (entry: RegistryLogEntry) => void): ConnectionTable {
  // One over the cap, so that the connection past it reaches the handler below, which decides who goes.
  server.maxConnections = limits.maxConnections + 1;
  const connections = new ConnectionTable(limits);
  server.on('connection', (socket: Socket) => connections.admit(socket));
  server.on('error', (error: NodeJS.ErrnoException) => {
    const hint = error.code === 'EMFILE' || error.code === 'ENFILE' ? ' (out of file descriptors: lower maxConnections or raise the limit)' : '';
    log({ level: 'error', message: `could not accept a connection: ${error.message}${hint}`, error });
  });
  return connections;
}

/**
 * Closes the socket of a request being answered once it has been silent both
 * ways for idleTimeoutMs (until node:http sets the keep-alive timeout when
 * the response is out, or clears it for the next request).
 */
export function watchIdle(socket: Socket, limits: Pick<ConnectionLimits, 'idleTimeoutMs'>): void {
  socket.setTimeout(limits.idleTimeoutMs);
}

/** An open connection as the table tracks it. */
export interface TrackedConnection {
  readonly address: string;
  /** Requests whose response is not finished yet. */
  inFlight: number;
  /**
   * When its last response finished, as a place in the order in which
   * connections fell idle (smaller: idle longer), while it has none in
   * flight; undefined before its first request and during one.
   */
  idleSince: number | undefined;
  /** Closes the socket unless its first request head arrives in time; cleared by that request. */
  firstRequest: ReturnType<typeof setTimeout> | undefined;
}

/** The open connections, by socket (in the order they were accepted), and how many each address holds. */
export class ConnectionTable {
  readonly #limits: ConnectionLimits;
  readonly #sockets = new Map<Socket, TrackedConnection>();
  readonly #perAddress = new Map<string, number>();
  /** The last place given in the idle order: a counter, not a clock read, since only the order is compared. */
  #idleOrder = 0;

  constructor(limits: ConnectionLimits) {
    this.#limits = limits;
  }

  /**
   * Takes a new socket in, or closes it (its address holds its share
   * already, or the server is full and no connection is idle). A full
   * server makes room by closing the connection idle the longest. A socket
   * taken in must send its first request head within headersTimeoutMs.
   */
  admit(socket: Socket): void {
    const address = addressKey(socket.remoteAddress);
    const held = this.#perAddress.get(address) ?? 0;
    if (held >= this.#limits.maxConnectionsPerAddress || (this.#sockets.size >= this.#limits.maxConnections && !this.#closeLongestIdle())) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), this.#limits.headersTimeoutMs);
    timer.unref();
    this.#sockets.set(socket, { address, inFlight: 0, idleSince: undefined, firstRequest: timer });
    this.#perAddress.set(address, held + 1);
    socket.once('close', () => {
      clearTimeout(timer);
      this.#forget(socket);
    });
  }

  /** Marks the socket busy until requestEnded; undefined for a socket the table does not hold. */
  requestStarted(socket: Socket): TrackedConnection | undefined {
    const connection = this.#sockets.get(socket);
    if (connection === undefined) return undefined;
    if (connection.firstRequest !== undefined) {
      clearTimeout(connection.firstRequest);
      connection.firstRequest = undefined;
    }
    connection.inFlight++;
    connection.idleSince = undefined;
    return connection;
  }

  /** Marks a request whose response the socket took whole at once: requestStarted and requestEnded in one. */
  requestServed(socket: Socket): void {
    const connection = this.#sockets.get(socket);
    if (connection === undefined) return;
    if (connection.firstRequest !== undefined) {
      clearTimeout(connection.firstRequest);
      connection.firstRequest = undefined;
    }
    if (connection.inFlight === 0) connection.idleSince = ++this.#idleOrder;
  }

  /** Marks one request of the connection done (its response sent, failed or cut). */
  requestEnded(connection: TrackedConnection): void {
    connection.inFlight--;
    if (connection.inFlight === 0) connection.idleSince = ++this.#idleOrder;
  }

  /** Closes the keep-alive connection idle the longest; false when none is idle. */
  #closeLongestIdle(): boolean {
    let oldest: Socket | undefined;
    let since = Number.POSITIVE_INFINITY;
    for (const [socket, connection] of this.#sockets) {
      if (connection.idleSince !== undefined && connection.idleSince < since) {
        oldest = socket;
        since = connection.idleSince;
      }
    }
    if (oldest === undefined) return false;
    this.#forget(oldest);
    oldest.destroy();
    return true;
  }

  #forget(socket: Socket): void {
    const connection = this.#sockets.get(socket);
    if (connection === undefined) return;
    this.#sockets.delete(socket);
    const left = (this.#perAddress.get(connection.address) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(connection.address, left);
    else this.#perAddress.delete(connection.address);
  }
}

/**
 * The key connections are counted under: an IPv4 address as it is (also
 * when written IPv4-mapped, `::ffff:1.2.3.4`), an IPv6 address as its /64 (a
 * single client is usually given a whole /64).
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Checks that every limit is a positive integer. */
export function checkConnectionLimits(limits: ConnectionLimits): ConnectionLimits {
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`serveNode: ${key} must be a positive integer (got ${value})`);
  }
  return limits;
}
