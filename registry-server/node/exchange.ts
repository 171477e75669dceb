/**
 * One request/response exchange of the node:http bridge: the handler is
 * asked with a NodeRequest (request.ts), and its Response written back. A
 * Response whose bytes are known (a PreparedResponse, see
 * http/responses.ts) is written in one go, at once when the handler answers
 * synchronously; any other body streams with backpressure. Sending must end
 * within the send deadline (limits.ts): a prepared response the socket took
 * in whole needs no timer, one still buffered gets one, as does every
 * streamed body. A response sent before the upload was read to its end (a
 * 413 on Content-Length, a 409) closes the connection after a short linger
 * instead of reading the rest. The hot path allocates little: one record
 * and one `close` listener per exchange, which also tells the connection
 * table and the server when it ends.
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ANSWER_AT_ONCE, AnswerAtOnce, ReadyAnswer } from '../http/ready.js';
import { jsonResponse, preparedParts, type PreparedParts } from '../http/responses.js';
import { sendDeadlineMs, watchIdle, type ConnectionLimits, type ConnectionTable, type TrackedConnection } from './limits.js';
import { NodeRequest } from './request.js';

/** Anything with a fetch-style handler, such as the registry. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
  /** Answers some requests at once from memory, asked before fetch (the registry's hot reads; see http/ready.ts). */
  readonly [ANSWER_AT_ONCE]?: AnswerAtOnce;
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

/** What every exchange of one server shares. */
export interface BridgeContext {
  handler: FetchHandler;
  /** `http://HOST:PORT` of the server (set once it listens). */
  origin: string;
  limits: ConnectionLimits;
  /** Responses not closed yet (the server's close() ends them). */
  inFlight: Set<ServerResponse>;
  /** The connection table, when the limits apply (see limitConnections). */
  connections: ConnectionTable | undefined;
  onResponse: ((served: ServedRequest) => void) | undefined;
}

const LINGER_MS = 2000;
/** A request target that serializes as itself in a URL (no dot segments, nothing to percent-encode). */
const PLAIN_TARGET = /^(?!.*\/\.\.?(?:[/?#]|$))[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/** The state of one exchange. */
class Exchange {
  /** Body bytes handed to the socket. */
  sent = 0;
  deadline: ReturnType<typeof setTimeout> | undefined = undefined;
  readonly startedAt: number;
  readonly connection: TrackedConnection | undefined;

  constructor(
    readonly context: BridgeContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.startedAt = context.onResponse === undefined ? 0 : Date.now();
    this.connection = context.connections?.requestStarted(req.socket);
  }

  /** The end of the exchange, however it ends (sent, failed, or the client gone mid-handler). */
  closed(): void {
    clearTimeout(this.deadline);
    const { context, res } = this;
    context.inFlight.delete(res);
    if (this.connection !== undefined) context.connections?.requestEnded(this.connection);
    context.onResponse?.({ request: this.req, status: res.headersSent ? res.statusCode : 0, bytes: this.sent, startedAt: this.startedAt });
  }

  /** Closes the socket once `ms` have passed, unless the exchange ended first. */
  armDeadline(bytes: number | undefined): void {
    if (this.res.destroyed) return;
    const res = this.res;
    this.deadline = setTimeout(() => res.destroy(), sendDeadlineMs(this.context.limits, bytes));
  }
}

/**
 * Writes a ready answer (http/ready.ts) the handler gave at once. One the
 * socket takes whole needs nothing more: the request is done (the
 * connection table and onResponse hear of it now). One still buffered —
 * the socket is slow, or the answer waits behind an earlier pipelined one —
 * is tracked like any exchange until its connection is done with it, under
 * the send deadline.
 */
export function sendReady(context: BridgeContext, req: IncomingMessage, res: ServerResponse, answer: ReadyAnswer): void {
  const { body } = answer;
  try {
    res.writeHead(answer.status, answer.headerList as string[]);
    if (body === null) res.end();
    else res.end(asBuffer(body));
  } catch {
    res.destroy();
  }
  if (res.writableLength === 0 && !res.destroyed) {
    context.connections?.requestServed(req.socket);
    context.onResponse?.({ request: req, status: answer.status, bytes: body?.byteLength ?? 0, startedAt: Date.now() });
    return;
  }
  const exchange = new Exchange(context, req, res);
  context.inFlight.add(res);
  res.on('close', () => exchange.closed());
  watchIdle(req.socket, context.limits);
  exchange.sent = body?.byteLength ?? 0;
  exchange.armDeadline(exchange.sent);
}

/**
 * A ready answer's body as a Buffer over the same bytes, made once per body
 * (ready answers are shared): node:http wraps any other Uint8Array in a new
 * Buffer at every write.
 */
const bodyBuffers = new WeakMap<Uint8Array, Buffer>();

function asBuffer(body: Uint8Array): Buffer {
  if (Buffer.isBuffer(body)) return body;
  let buffer = bodyBuffers.get(body);
  if (buffer === undefined) bodyBuffers.set(body, (buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength)));
  return buffer;
}

/** Answers one request of the server: asks the handler, writes its response. */
export function handleExchange(context: BridgeContext, req: IncomingMessage, res: ServerResponse): void {
  const exchange = new Exchange(context, req, res);
  context.inFlight.add(res);
  res.on('close', () => exchange.closed());
  watchIdle(req.socket, context.limits);
  const url = requestUrl(context.origin, req.url ?? '/');
  if (url === undefined) {
    send(exchange, bridgeError(400, 'E_BAD_REQUEST', 'the request target must be a path'));
    return;
  }
  let answer: Response | Promise<Response>;
  try {
    answer = context.handler.fetch(new NodeRequest(req, res, url) as unknown as Request);
  } catch {
    answer = bridgeError(500, 'E_INTERNAL', 'internal error');
  }
  if (isThenable(answer)) {
    Promise.resolve(answer).then(
      (response) => send(exchange, response),
      () => send(exchange, bridgeError(500, 'E_INTERNAL', 'internal error')),
    );
  } else {
    send(exchange, answer);
  }
}

function isThenable(value: unknown): value is PromiseLike<Response> {
  return typeof (value as { then?: unknown }).then === 'function';
}

/** Writes the response; a failure destroys the socket (the client sees the connection cut). */
function send(exchange: Exchange, response: Response): void {
  const parts = preparedParts(response);
  try {
    if (parts !== undefined) {
      writePrepared(exchange, response.status, parts);
      // Whatever the socket did not take at once must still go out within the deadline.
      if (exchange.res.writableLength > 0) exchange.armDeadline(parts.body?.byteLength ?? 0);
      return;
    }
  } catch {
    exchange.res.destroy();
    return;
  }
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  exchange.armDeadline(Number.isFinite(length) ? length : undefined);
  writeStreamed(exchange, response).catch(() => exchange.res.destroy());
}

/** True when the client may still be sending an upload this response does not wait for. */
function uploadPending(req: IncomingMessage): boolean {
  return req.method !== 'GET' && req.method !== 'HEAD' && !req.complete;
}

function writeHead(req: IncomingMessage, res: ServerResponse, status: number, headers: Readonly<Record<string, string | string[]>>): void {
  if (uploadPending(req)) {
    res.writeHead(status, { ...headers, connection: 'close' });
    res.once('finish', () => linger(req));
    return;
  }
  res.writeHead(status, headers as Record<string, string | string[]>);
}

/**
 * The headers of shared (frozen) header objects as node:http's flat
 * `[name, value, …]` list, which it writes without enumerating an object's
 * keys: the read routes answer with the same few objects again and again.
 */
const flatHeaders = new WeakMap<object, string[]>();

function headerList(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> | string[] {
  if (!Object.isFrozen(headers)) return headers;
  let list = flatHeaders.get(headers);
  if (list === undefined) {
    list = Object.entries(headers).flat();
    flatHeaders.set(headers, list);
  }
  return list;
}

function writePrepared(exchange: Exchange, status: number, parts: PreparedParts): void {
  const { req, res } = exchange;
  if (uploadPending(req)) writeHead(req, res, status, parts.headers);
  else res.writeHead(status, headerList(parts.headers) as string[]);
  if (parts.body === null) {
    res.end();
    return;
  }
  exchange.sent += parts.body.byteLength;
  res.end(parts.body);
}

/** Writes a Response body stream with backpressure, stopping when the client goes away. */
async function writeStreamed(exchange: Exchange, response: Response): Promise<void> {
  const { req, res } = exchange;
  writeHead(req, res, response.status, collectHeaders(response.headers));
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
      exchange.sent += next.value.byteLength;
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
