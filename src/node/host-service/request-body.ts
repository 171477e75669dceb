/**
 * What a request to a plugin route may upload. A plugin in the service's
 * own thread gets the request as it came, and a body it reads whole would
 * be as large as the client cares to send; so the service reads a request's
 * body first, up to `maxBytes`, and answers 413 past it (at once when the
 * declared Content-Length is already over) without calling any plugin.
 * Requests without a body (GET, HEAD) pass through untouched.
 */

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
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d{1,16}$/.test(declared) && Number(declared) > maxBytes) {
    await request.body.cancel().catch(() => undefined);
    return tooLarge(maxBytes);
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // Built from its parts: the node:http bridge's Request is a lazy subclass that a Request cannot be copied from.
  return new Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body });
}
