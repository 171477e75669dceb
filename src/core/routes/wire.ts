/**
 * Requests and responses as they cross to and from a worker-isolated plugin:
 * plain objects of structured-clone values (method, URL, header pairs, the
 * body as bytes), the body read up to a limit — the stream is cancelled as
 * soon as it passes it, and a larger Content-Length is refused before
 * reading. Used by both sides of the worker boundary, so it imports nothing
 * but the errors.
 */
import { SizeLimitError, type ErrorDetails } from '../errors/index.js';

/** The default limit of a body crossing a worker boundary: 10 MiB. */
export const DEFAULT_MAX_ROUTE_BODY_BYTES = 10 * 1024 * 1024;

/** A request as it crosses to a worker. */
export interface WireRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** A response as it crosses back from a worker. */
export interface WireResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** Statuses whose responses have no body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** Reads `body` whole, refusing more than `limit` bytes with a SizeLimitError (`what` names it in the message). */
export async function readLimitedBody(
  body: ReadableStream<Uint8Array> | null,
  declared: string | null,
  limit: number,
  what: string,
  details: ErrorDetails,
): Promise<Uint8Array | undefined> {
  const length = declared !== null && /^\d+$/.test(declared.trim()) ? Number(declared) : undefined;
  const tooLarge = (size: string) => new SizeLimitError(`${what} exceeds the limit of ${limit} bytes (${size})`, limit, details);
  if (length !== undefined && length > limit) {
    void body?.cancel().catch(() => undefined);
    throw tooLarge(`Content-Length ${length}`);
  }
  if (!body) return undefined;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      void reader.cancel().catch(() => undefined);
      throw tooLarge(`${received} bytes read`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** The headers as name-value pairs (each Set-Cookie its own pair). */
function headerPairs(headers: Headers): [string, string][] {
  const pairs: [string, string][] = [];
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') pairs.push([name, value]);
  });
  for (const cookie of headers.getSetCookie?.() ?? []) pairs.push(['set-cookie', cookie]);
  return pairs;
}

/** A Request as plain data, its body read up to `limit` bytes. */
export async function requestToWire(request: Request, limit: number, details: ErrorDetails): Promise<WireRequest> {
  const body = await readLimitedBody(request.body, request.headers.get('content-length'), limit, 'the request body', details);
  return { method: request.method, url: request.url, headers: headerPairs(request.headers), ...(body && body.byteLength > 0 ? { body } : {}) };
}

/** The Request again, on the other side; `signal` becomes its signal. */
export function requestFromWire(wire: WireRequest, signal: AbortSignal): Request {
  const hasBody = wire.body !== undefined && wire.method !== 'GET' && wire.method !== 'HEAD';
  return new Request(wire.url, { method: wire.method, headers: wire.headers, signal, ...(hasBody ? { body: wire.body as BodyInit } : {}) });
}

/** A Response as plain data, its body read up to `limit` bytes. */
export async function responseToWire(response: Response, limit: number, details: ErrorDetails): Promise<WireResponse> {
  const body = await readLimitedBody(response.body, response.headers.get('content-length'), limit, 'the response body', details);
  return { status: response.status, statusText: response.statusText, headers: headerPairs(response.headers), ...(body && body.byteLength > 0 ? { body } : {}) };
}

/** The Response again, on the host's side. */
export function responseFromWire(wire: WireResponse): Response {
  const body = NULL_BODY_STATUSES.has(wire.status) ? null : ((wire.body ?? null) as BodyInit | null);
  return new Response(body, { status: wire.status, statusText: wire.statusText, headers: wire.headers });
}
