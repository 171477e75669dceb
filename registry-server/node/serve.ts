/**
 * The node:http bridge: serves a fetch-style handler (the registry) on a
 * Node HTTP server. An IncomingMessage becomes a web Request whose body
 * streams with backpressure (duplex: 'half') and whose signal aborts when the
 * client goes away (request.ts); the Response is written back by
 * exchange.ts, in one write when its bytes are known (see
 * http/responses.ts). Connections are limited in time and number, in all
 * and per client address, a full server making room by closing the
 * connection idle the longest (limits.ts); an error accepting one is
 * logged, not thrown. A port in use is a ListenError naming the address
 * (listen-error.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryLogEntry } from '../options.js';
import { ANSWER_AT_ONCE, type AnswerAtOnce, type ReadyAnswer } from '../http/ready.js';
import { handleExchange, sendReady, type BridgeContext, type FetchHandler, type ServedRequest } from './exchange.js';
import { checkConnectionLimits, defaultConnectionLimits, limitConnections, serverTimeouts, type ConnectionLimits } from './limits.js';
import { ListenError } from './listen-error.js';

export type { ConnectionLimits } from './limits.js';
export type { FetchHandler, ServedRequest } from './exchange.js';

/** Where and how to listen, and the connection limits (each defaults as ConnectionLimits says). */
export interface ServeNodeOptions extends Partial<ConnectionLimits> {
  /** Port to listen on; 0 picks a free one (default 4873). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** How long `close()` lets requests in flight finish before cutting connections (default 5000 ms). */
  closeGraceMs?: number;
  /** Receives errors of the server itself, such as EMFILE accepting a connection (default: console.error). */
  log?: (entry: RegistryLogEntry) => void;
  /** Told of every request once its connection is done with it (sent, failed or cut): for access logs. */
  onResponse?: (served: ServedRequest) => void;
}

/** A listening server. */
export interface NodeServer {
  /** `http://HOST:PORT`, with the real port. */
  url: string;
  port: number;
  host: string;
  /** The underlying node:http server. */
  server: Server;
  /** Stops accepting connections, lets requests in flight finish (up to the grace), then resolves. */
  close(): Promise<void>;
}

/**
 * Serves `handler` over HTTP. Rejects with a ListenError naming the address
 * when it cannot listen (the port in use, a privileged port, a host that is
 * not this machine's).
 * @example
 * const server = await serveNode(createRegistry({ storage, tokens }), { port: 0 });
 * console.log(`listening on ${server.url}`);
 * await server.close();
 */
export async function serveNode(handler: FetchHandler, options: ServeNodeOptions = {}): Promise<NodeServer> {
  const host = options.host ?? '127.0.0.1';
  const limits = checkConnectionLimits({ ...defaultConnectionLimits(), ...definedLimits(options) });
  const inFlight = new Set<ServerResponse>();
  const context: BridgeContext = { handler, origin: '', limits, inFlight, connections: undefined, onResponse: options.onResponse };
  let closing = false;
  const atOnce = handler[ANSWER_AT_ONCE];
  const server = createServer(serverTimeouts(limits), (req, res) => {
    if (closing) res.shouldKeepAlive = false;
    const ready = atOnce === undefined ? undefined : answerAtOnce(atOnce, req);
    if (ready !== undefined) sendReady(context, req, res, ready);
    else handleExchange(context, req, res);
  });
  const requestedPort = options.port ?? 4873;
  await new Promise<void>((resolve, reject) => {
    const refused = (error: Error) => reject(new ListenError(host, requestedPort, error));
    server.once('error', refused);
    server.listen(requestedPort, host, () => {
      server.off('error', refused);
      resolve();
    });
  });
  context.connections = limitConnections(server, limits, options.log ?? logToConsole);
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  context.origin = origin;
  const grace = options.closeGraceMs ?? 5000;
  return {
    url: origin,
    port,
    host,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        // A keep-alive connection busy with a request closes once its response is out, not at its idle timeout.
        for (const res of inFlight) endAfterResponse(res);
        setTimeout(() => server.closeAllConnections(), grace).unref();
      }),
  };
}

/** The handler's ready answer to `req`, if it has one; a failure leaves the request to fetch (which answers every request). */
function answerAtOnce(atOnce: AnswerAtOnce, req: IncomingMessage): ReadyAnswer | undefined {
  try {
    return atOnce(req.method ?? '', req.url ?? '', req.headers);
  } catch {
    return undefined;
  }
}

/** Makes the connection of a response in flight close once the response is sent. */
function endAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) {
    res.shouldKeepAlive = false;
    return;
  }
  res.once('finish', () => res.socket?.end());
}

function definedLimits(options: ServeNodeOptions): Partial<ConnectionLimits> {
  const keys = [
    'headersTimeoutMs',
    'requestTimeoutMs',
    'keepAliveTimeoutMs',
    'idleTimeoutMs',
    'sendTimeoutMs',
    'minSendBytesPerSecond',
    'maxConnections',
    'maxConnectionsPerAddress',
  ] as const;
  return Object.fromEntries(keys.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]));
}

function logToConsole(entry: RegistryLogEntry): void {
  console.error(`plughub server: ${entry.message}`);
}
