/**
 * What the Service Worker and a page's plugin host say to each other when a
 * request for a plugin route is relayed (service-worker.ts and
 * service-worker-page.ts): the SW posts a `plughub:fetch` message with a
 * MessagePort; the page answers on that port with `accepted` at once, then
 * with the `response` (or an `error`); the SW may send `abort`. Bodies cross
 * as whole ArrayBuffers (transferred, not copied), read with a byte limit, so
 * the relay works wherever MessagePort does, without transferable streams.
 * Both ends treat what arrives as untrusted and check its shape.
 */

/** The `type` of the message that asks a page to answer a request. */
export const FETCH_MESSAGE = 'plughub:fetch';

/** A request as it crosses: method, absolute URL, header pairs, body bytes (null for none). */
export interface RelayedRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: ArrayBuffer | null;
}

/** A response as it crosses. */
export interface RelayedResponse {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: ArrayBuffer | null;
}

/** The message posted to a page: the request, and the response body limit the page must keep. */
export interface FetchMessage {
  type: typeof FETCH_MESSAGE;
  request: RelayedRequest;
  maxBodyBytes: number;
}

/** What a page answers on the message's port. */
export type PageReply =
  | { type: 'accepted' }
  | { type: 'response'; response: RelayedResponse }
  | { type: 'error'; status: number; code: string; message: string };

/** What the SW may send on the port after the request: the page's caller went away or the SW gave up. */
export interface AbortMessage {
  type: 'abort';
  reason: string;
}

/** The most header pairs a relayed request or response may carry. */
export const MAX_HEADERS = 256;

/** Thrown by readBodyBytes when a body is larger than allowed. */
export class BodyTooLargeError extends RangeError {
  override name = 'BodyTooLargeError';
}

/**
 * Reads a request's or response's body into one ArrayBuffer, refusing (before
 * reading when Content-Length says so, else as soon as the count passes it) a
 * body over `maxBytes`; null when there is no body.
 */
export async function readBodyBytes(message: Request | Response, maxBytes: number): Promise<ArrayBuffer | null> {
  if (!message.body) return null;
  const declared = Number(message.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await message.body.cancel().catch(() => {});
    throw new BodyTooLargeError(`body of ${declared} bytes is over the limit of ${maxBytes} bytes`);
  }
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(`body is over the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes.buffer;
}

/** The header pairs of `headers`, or a RangeError when there are more than MAX_HEADERS. */
export function headerPairs(headers: Headers): Array<[string, string]> {
  const pairs = [...headers];
  if (pairs.length > MAX_HEADERS) throw new RangeError(`${pairs.length} headers are more than the ${MAX_HEADERS} a relayed message may carry`);
  return pairs;
}

function isHeaderPairs(value: unknown): value is Array<[string, string]> {
  return (
    Array.isArray(value) &&
    value.length <= MAX_HEADERS &&
    value.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string')
  );
}

const isBody = (value: unknown): value is ArrayBuffer | null => value === null || value instanceof ArrayBuffer;

function isAbsoluteUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 16 * 1024) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** Whether `data` is a well-formed FetchMessage. */
export function isFetchMessage(data: unknown): data is FetchMessage {
  const message = data as Partial<FetchMessage> | null;
  const request = message?.request as Partial<RelayedRequest> | undefined;
  return (
    message?.type === FETCH_MESSAGE &&
    typeof message.maxBodyBytes === 'number' &&
    message.maxBodyBytes >= 0 &&
    typeof request?.method === 'string' &&
    isAbsoluteUrl(request.url) &&
    isHeaderPairs(request.headers) &&
    isBody(request.body)
  );
}

/** Whether `data` is a well-formed PageReply. */
export function isPageReply(data: unknown): data is PageReply {
  const reply = data as { type?: unknown; response?: Partial<RelayedResponse>; status?: unknown; code?: unknown; message?: unknown } | null;
  switch (reply?.type) {
    case 'accepted':
      return true;
    case 'error':
      return typeof reply.status === 'number' && typeof reply.code === 'string' && typeof reply.message === 'string';
    case 'response': {
      const response = reply.response;
      return (
        typeof response?.status === 'number' &&
        Number.isInteger(response.status) &&
        response.status >= 200 &&
        response.status <= 599 &&
        typeof response.statusText === 'string' &&
        isHeaderPairs(response.headers) &&
        isBody(response.body)
      );
    }
    default:
      return false;
  }
}

/** A JSON error response in the registry's shape, `{ error: { code, message } }`. */
export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}
