/**
 * What a request to a plugin route may upload. A plugin in the service's
 * own thread gets the request as it came, and a body it reads whole would
 * be as large as the client cares to send; so the service reads a request's
 * body first, up to `maxBytes` (core's readLimitedBody, which bounds bodies
 * crossing to a worker the same way), and answers 413 past it (at once when
 * the declared Content-Length is already over) without calling any plugin.
 * Requests without a body (GET, HEAD) pass through untouched.
 */
import { isSizeLimitError } from '../../core/errors/index.js';
import { readLimitedBody } from '../../core/routes/index.js';

/** The JSON 413 the service answers for a body over its limit (the registry's error shape). */
function tooLarge(maxBytes: number): Response {
  const message = `the request body is larger than ${maxBytes} bytes, the most this service takes (maxBodyBytes)`;
  return Response.json({ error: { code: 'E_TOO_LARGE', message } }, { status: 413, headers: { connection: 'close' } });
}

/**
 * The request with its body read into memory, at most `maxBytes` of it, or
 * the 413 response when it is larger.
 *
 * @example const bounded = await boundRequestBody(request, 10 * 1024 * 1024); if (bounded instanceof Response) return bounded;
 */
export async function boundRequestBody(request: Request, maxBytes: number): Promise<Request | Response> {
  // GET and HEAD carry no body; asking for `body` would build the bridge's full Request for nothing.
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === null) return request;
  let body: Uint8Array | undefined;
  try {
    body = await readLimitedBody(request.body, request.headers.get('content-length'), maxBytes, 'the request body', {});
  } catch (error) {
    if (isSizeLimitError(error)) return tooLarge(maxBytes);
    throw error;
  }
  // Built from its parts: the node:http bridge's Request is a lazy subclass that a Request cannot be copied from.
  return new Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body: (body ?? null) as BodyInit | null });
}
