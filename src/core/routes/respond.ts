/**
 * Responses of plugin routes: what a handler returned turned into a
 * Response (a Response as is; a string as text/plain; bytes as
 * application/octet-stream; `undefined` as 204; anything else as JSON), and
 * the JSON errors `host.fetch` answers with, shaped like the registry's:
 * `{ "error": { "code", "message" } }`, never with a stack trace.
 */
import { PreparedResponse, RESPONSE_CAN_BE_PREPARED } from './prepared-response.js';

/**
 * Turns a handler's return value into a Response; throws a TypeError when a
 * value cannot be written as JSON. With `prepared`, text, bytes and JSON
 * come as a PreparedResponse (its body stream made only when read), where
 * the platform's Response class allows one to stand for it.
 */
export function toResponse(value: unknown, prepared = false): Response {
  if (value instanceof Response) return value;
  if (value === undefined) return new Response(null, { status: 204 });
  const make = prepared && RESPONSE_CAN_BE_PREPARED ? preparedResponse : plainResponse;
  if (typeof value === 'string') return make('text/plain; charset=utf-8', encoder.encode(value));
  if (value instanceof Uint8Array) return make('application/octet-stream', value.slice());
  if (value instanceof ArrayBuffer) return make('application/octet-stream', new Uint8Array(value.slice(0)));
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a ${typeof value} cannot be written as JSON`);
  return make('application/json; charset=utf-8', encoder.encode(json));
}

const encoder = new TextEncoder();

/** A 200 of `body`, as a Response (its Content-Type set on its Headers, cheaper than a headers object in the init). */
function plainResponse(contentType: string, body: Uint8Array): Response {
  const response = new Response(body as Uint8Array<ArrayBuffer>);
  response.headers.set('content-type', contentType);
  return response;
}

/** A 200 of `body` as a PreparedResponse: the node:http bridge writes its bytes without a body stream. */
function preparedResponse(contentType: string, body: Uint8Array): Response {
  const headers = { 'content-type': contentType, 'content-length': String(body.byteLength) };
  return new PreparedResponse({ status: 200, headers, body }) as unknown as Response;
}

/** A JSON error response: `{ error: { code, message } }` with `status` and extra headers. */
export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The same response without its body (for HEAD), its body cancelled. */
export function withoutBody(response: Response): Response {
  const parts = response instanceof PreparedResponse ? response.preparedParts : undefined;
  if (parts !== undefined) return new PreparedResponse({ status: parts.status, headers: parts.headers, body: null }) as unknown as Response;
  void response.body?.cancel().catch(() => undefined);
  return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
}
