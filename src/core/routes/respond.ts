/**
 * Responses of plugin routes: what a handler returned turned into a
 * Response (a Response as is; a string as text/plain; bytes as
 * application/octet-stream; `undefined` as 204; anything else as JSON), and
 * the JSON errors `host.fetch` answers with, shaped like the registry's:
 * `{ "error": { "code", "message" } }`, never with a stack trace.
 */

/** Turns a handler's return value into a Response; throws a TypeError when a value cannot be written as JSON. */
export function toResponse(value: unknown): Response {
  if (value instanceof Response) return value;
  if (value === undefined) return new Response(null, { status: 204 });
  if (typeof value === 'string') return typed(new Response(value), 'text/plain; charset=utf-8');
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return typed(new Response(value as BodyInit), 'application/octet-stream');
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a ${typeof value} cannot be written as JSON`);
  return typed(new Response(json), 'application/json; charset=utf-8');
}

/**
 * `response` with its Content-Type set: set on the Response's Headers, which
 * costs a fraction of a `headers` object in the init (converted field by
 * field) on a route's every answer.
 */
function typed(response: Response, contentType: string): Response {
  response.headers.set('content-type', contentType);
  return response;
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
  void response.body?.cancel().catch(() => undefined);
  return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
}
