/**
 * Reading one request header cheaply: a request made by the node:http
 * bridge answers from the headers node:http already parsed, any other
 * Request through its Headers. The hot read routes use it for
 * If-None-Match and Cache-Control.
 */
/**
 * Key of the method by which a request made by the node:http bridge reads
 * one header from what node:http already parsed, without building a Headers
 * object.
 */
export const READ_HEADER = Symbol.for('plughub.server.readHeader');

type HeaderReader = { [READ_HEADER]?: (name: string) => string | null };

/** The value of header `name` (lowercase), or null. */
export function requestHeader(request: Request, name: string): string | null {
  const read = (request as unknown as HeaderReader)[READ_HEADER];
  return read === undefined ? request.headers.get(name) : read.call(request, name);
}
