/**
 * The node:http bridge: serves a fetch-style handler (the registry) on a
 * Node HTTP server. An IncomingMessage becomes a web Request whose body
 * streams with backpressure (duplex: 'half') and whose signal aborts when the
 * client goes away; the Response is written back with backpressure, or in
 * one write when its bytes are known (see http/responses.ts). A response
 * sent before the upload was read to its end (a 413 on Content-Length, a 409)
 * closes the connection after a short linger instead of reading the rest.
 * Connections are limited in time and number, in all and per client address,
 * a full server making room by closing the connection idle the longest
 * (limits.ts); an error accepting one is logged, not thrown. A port in use
 * is a ListenError naming the address (listen-error.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonResponse, preparedParts } from '../http/responses.js';
import { checkConnectionLimits, defaultConnectionLimits, limitConnections, sendDeadlineMs, serverTimeouts, type ConnectionLimits } from './limits.js';
import { ListenError } from './listen-error.js';
import { NodeRequest } from './request.js';
import type { RegistryLogEntry } from '../options.js';

export type { ConnectionLimits } from './limits.js';

/** Anything with a fetch-style handler, such as the registry. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

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

/** A request the server is done with: what was asked, the status sent and how many body bytes went out. */
export interface ServedRequest {
  request: IncomingMessage;
  /** The status sent (0 when the connection closed before the head was sent). */
  status: number;
  /** Body bytes written to the socket (headers not counted). */
  bytes: number;
  /** When the request arrived (ms since the epoch). */
  startedAt: number;
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

const LINGER_MS = 2000;
/** A request target that serializes as itself in a URL (no dot segments, nothing to percent-encode). */
const PLAIN_TARGET = /^(?!.*\/\.\.?(?:[/?#]|$))[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

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
  let origin = '';
  const onResponse = options.onResponse;
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const server = createServer(serverTimeouts(limits), (req, res) => {
    if (closing) res.shouldKeepAlive = false;
    inFlight.add(res);
    void handle(handler, req, res, origin, limits, (served) => {
      inFlight.delete(res);
      onResponse?.(served);
    });
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
  limitConnections(server, limits, options.log ?? logToConsole);
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
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

async function handle(
  handler: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  limits: ConnectionLimits,
  done: (served: ServedRequest) => void,
): Promise<void> {
  const sent = { bytes: 0 };
  const startedAt = Date.now();
  let deadline: ReturnType<typeof setTimeout> | undefined;
  // One listener for the end of the exchange, however it ends (sent, failed, or the client gone mid-handler).
  res.once('close', () => {
    clearTimeout(deadline);
    done({ request: req, status: res.headersSent ? res.statusCode : 0, bytes: sent.bytes, startedAt });
  });
  let response: Response;
  const url = requestUrl(origin, req.url ?? '/');
  if (url !== undefined) {
    try {
      response = await handler.fetch(new NodeRequest(req, res, url) as unknown as Request);
    } catch {
      response = bridgeError(500, 'E_INTERNAL', 'internal error');
    }
  } else {
    response = bridgeError(400, 'E_BAD_REQUEST', 'the request target must be a path');
  }
  const parts = preparedParts(response);
  const length = parts ? (parts.body?.byteLength ?? 0) : Number(response.headers.get('content-length') ?? Number.NaN);
  if (!res.destroyed) deadline = setTimeout(() => res.destroy(), sendDeadlineMs(limits, Number.isFinite(length) ? length : undefined));
  try {
    await writeResponse(response, req, res, sent);
  } catch {
    res.destroy();
  }
}

/** The absolute URL of a request target, serialized as a Request would; undefined for a target that is not a path. */
function requestUrl(origin: string, target: string): string | undefined {
  if (!target.startsWith('/')) return undefined;
  if (PLAIN_TARGET.test(target)) return origin + target;
  try {
    return new URL(origin + target).href;
  } catch {
    return undefined;
  }
}

/** Writes the response; `sent.bytes` counts the body bytes handed to the socket. */
async function writeResponse(response: Response, req: IncomingMessage, res: ServerResponse, sent: { bytes: number }): Promise<void> {
  const uploadPending = req.method !== 'GET' && req.method !== 'HEAD' && !req.complete;
  const parts = preparedParts(response);
  let headers: Readonly<Record<string, string | string[]>> = parts ? parts.headers : collectHeaders(response.headers);
  if (uploadPending) headers = { ...headers, connection: 'close' };
  res.writeHead(response.status, headers as Record<string, string | string[]>);
  if (uploadPending) res.once('finish', () => linger(req));
  if (parts) {
    sent.bytes += parts.body?.byteLength ?? 0;
    res.end(parts.body ?? undefined);
    return;
  }
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const gone = new Promise<'gone'>((resolve) => res.once('close', () => resolve('gone')));
  try {
    while (true) {
      const next = await Promise.race([reader.read(), gone]);
      if (next === 'gone') {
        await reader.cancel();
        return;
      }
      if (next.done) break;
      sent.bytes += next.value.byteLength;
      if (!res.write(next.value)) {
        const drained = await Promise.race([new Promise<'drain'>((resolve) => res.once('drain', () => resolve('drain'))), gone]);
        if (drained === 'gone') {
          await reader.cancel();
          return;
        }
      }
    }
    res.end();
  } finally {
    reader.releaseLock();
  }
}

function collectHeaders(source: Headers): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  source.forEach((value, key) => {
    if (key !== 'set-cookie') headers[key] = value;
  });
  const cookies = source.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}

/** Reads and drops what the client still sends after the answer, then closes the socket. */
function linger(req: IncomingMessage): void {
  req.removeAllListeners('data');
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  req.socket.once('close', () => clearTimeout(timer));
}

/** The answer when the handler cannot be asked (a request target that is not a path) or rejected. */
function bridgeError(status: number, code: string, message: string): Response {
  return jsonResponse(status, { error: { code, message } }, { 'cache-control': 'no-store' });
}
