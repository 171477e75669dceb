/**
 * `host.fetch(request)`: answers a request from the routes of the loaded
 * plugins (their `http_services`). The path is split and decoded once and
 * matched against the routes that serve at that moment (routes/router.ts);
 * the matched version is called in the same step, so it finishes the
 * request even if an upgrade swaps it out meanwhile, and a request that
 * arrives while a swap hands over waits for it and is matched again against
 * the new version's routes. Answers:
 *
 * - no route for the path: 404; a route for the path but not the method:
 *   405 with `Allow` (an OPTIONS request without a route of its own: 204
 *   with `Allow`); HEAD without a HEAD route runs the GET route and drops
 *   the body; a path longer than 8 KiB: 414; a malformed percent-escape: 400;
 * - the handler's result as a Response (routes/respond.ts);
 * - a plugin that throws: 500 (the error goes to the host's log, never to
 *   the client); past the route's deadline: 504; a version unloaded during
 *   the call: 503; a body over the limit of a worker-isolated plugin: 413.
 *
 * Every error answer is JSON, `{ "error": { "code", "message" } }`.
 */
import { isCancelledError, isDeadlineExceededError, isPluginExecutionError, isSizeLimitError, isUnloadedError } from '../errors/index.js';
import { raceSignal, type RouteCall } from '../isolation/index.js';
import type { Logger } from '../plugin/index.js';
import { errorResponse, splitRequestPath, withoutBody, type RouteMatch } from '../routes/index.js';
import { clock } from './metrics.js';
import type { PluginEntry, PluginTable } from './table.js';

/** What host.fetch needs from the host. */
export interface RouteFetchContext<Api> {
  table: PluginTable<Api>;
  log: Logger;
  /** The deadline of a route call, in ms (undefined: none). */
  timeoutMs: number | undefined;
}

/** Builds `host.fetch` over the host's table (see the module comment). */
export function createRouteFetch<Api>(context: RouteFetchContext<Api>): (request: Request) => Promise<Response> {
  const { table } = context;
  return async function fetch(request: Request): Promise<Response> {
    const pathname = pathnameOf(request.url);
    const path = splitRequestPath(pathname);
    const method = request.method.toUpperCase();
    if (path === 'too-long') return errorResponse(414, 'E_URI_TOO_LONG', `the path of ${method} is longer than the 8 KiB a route may match`);
    if (path === 'malformed') return errorResponse(400, 'E_BAD_REQUEST', `${requestShown(method, pathname)}: the path has a malformed percent-escape`);
    for (;;) {
      const found = table.routes.lookup(method, path);
      if (found.kind === 'none') return errorResponse(404, 'E_NOT_FOUND', `no route matches ${requestShown(method, pathname)}`);
      if (found.kind === 'method') {
        const allow = allowed(found.allow);
        if (method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow } });
        return errorResponse(405, 'E_METHOD_NOT_ALLOWED', `${requestShown(method, pathname)}: the route does not accept ${method} (allowed: ${allow})`, {
          allow,
        });
      }
      const gate = table.gate(found.match.owner);
      if (!gate) return answer(context, found.match, request, method, pathname);
      // A swap is handing over: wait for it (or for the client to give up), then match against what serves now.
      try {
        await raceSignal(gate, request.signal);
      } catch {
        return errorResponse(503, 'E_CANCELLED', `${requestShown(method, pathname)}: the request was aborted`);
      }
    }
  };
}

/** The request as error messages name it: method and path (its first 200 characters). */
function requestShown(method: string, pathname: string): string {
  return `${method} ${pathname.slice(0, 200)}`;
}

/**
 * The pathname of a Request's URL, as `new URL(url).pathname` gives it,
 * without parsing the URL again: a Request's URL is already serialized, so
 * after `scheme://authority` the path runs to the first `?` or `#`.
 */
function pathnameOf(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme < 0) return new URL(url).pathname;
  const start = url.indexOf('/', scheme + 3);
  if (start < 0) return new URL(url).pathname;
  let end = url.indexOf('?', start);
  const hash = url.indexOf('#', start);
  if (end < 0 || (hash >= 0 && hash < end)) end = hash;
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

/** The `Allow` header for the methods of a path: HEAD with GET, and OPTIONS, which host.fetch answers itself. */
function allowed(methods: readonly string[]): string {
  const set = new Set(methods);
  if (set.has('GET')) set.add('HEAD');
  set.add('OPTIONS');
  return [...set].join(', ');
}

/**
 * Calls the matched version (in this very step), maps its failures to JSON
 * errors, and counts the answer by its version's meter (host/metrics.ts)
 * under the route's label and the status, in the same step.
 */
async function answer<Api>(
  context: RouteFetchContext<Api>,
  match: RouteMatch<PluginEntry<Api>>,
  request: Request,
  method: string,
  pathname: string,
): Promise<Response> {
  const { instance, meter } = match.target;
  const { route } = match;
  const started = meter === undefined ? 0 : clock();
  let response: Response;
  try {
    const call: RouteCall = { label: route.label, params: match.params };
    if (context.timeoutMs !== undefined) call.timeoutMs = context.timeoutMs;
    const answered = await instance.fetch(request, call);
    response = method === 'HEAD' && route.method !== 'HEAD' ? withoutBody(answered) : answered;
  } catch (error) {
    response = failure(context, match, request, method, pathname, error);
  }
  meter?.routed(route.label, response.status, started);
  return response;
}

/** The JSON error answer of a route call that failed, and a log line for the unexpected ones. */
function failure<Api>(
  context: RouteFetchContext<Api>,
  match: RouteMatch<PluginEntry<Api>>,
  request: Request,
  method: string,
  pathname: string,
  error: unknown,
): Response {
  const shown = requestShown(method, pathname);
  const who = `${match.target.instance.id} (${match.route.label})`;
  if (isDeadlineExceededError(error)) return errorResponse(504, 'E_DEADLINE', `${shown}: ${who} did not answer in time`);
  if (isUnloadedError(error)) return errorResponse(503, 'E_UNLOADED', `${shown}: ${who} was unloaded before it answered`);
  if (isCancelledError(error) || request.signal.aborted) return errorResponse(503, 'E_CANCELLED', `${shown}: the request was aborted`);
  if (isSizeLimitError(error)) return errorResponse(413, 'E_TOO_LARGE', `${shown}: ${(error as Error).message}`);
  context.log.error(`${who}: ${shown} failed:`, error);
  const code = isPluginExecutionError(error) ? 'E_EXECUTE' : 'E_INTERNAL';
  return errorResponse(500, code, `${shown}: ${who} failed`);
}
