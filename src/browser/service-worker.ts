/**
 * The Service Worker side of serving plugin routes: `servePluginRoutes(self)`
 * in an app's service worker answers the app's own `fetch('/api/plugin/…')`
 * calls with its plugins, online or offline. A service worker cannot run a
 * plugin itself — the HTML specification disallows `import()` in
 * ServiceWorkerGlobalScope (Chromium throws "import() is disallowed on
 * ServiceWorkerGlobalScope"), it has no `URL.createObjectURL` and cannot start
 * a Worker — so it relays each claimed request to an open page (or worker) of
 * the app whose plugin host called `connectServiceWorker` (service-worker-page.ts),
 * and answers with what that host's `host.fetch` returned. Requests outside
 * the claimed paths, and to other origins, are left to the network.
 *
 * The types here are structural, so this file needs neither the DOM nor the
 * WebWorker library: in a service worker (`lib: ["WebWorker"]`) pass `self`.
 */
import {
  BodyTooLargeError,
  errorResponse,
  FETCH_MESSAGE,
  headerPairs,
  isPageReply,
  readBodyBytes,
  type AbortMessage,
  type FetchMessage,
  type RelayedRequest,
  type RelayedResponse,
} from './service-worker-messages.js';

/** A client of the service worker (a page or worker of the app): what the relay uses of `Client`. */
export interface ServiceWorkerClientLike {
  readonly id: string;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** The fetch event: what the relay uses of `FetchEvent`. */
export interface PluginRouteFetchEvent {
  readonly request: Request;
  /** The client that made the request ('' for a navigation). */
  readonly clientId: string;
  /** The client a navigation will create ('' otherwise). */
  readonly resultingClientId?: string;
  respondWith(response: Promise<Response>): void;
}

/** The service worker's global scope: what the relay uses of `ServiceWorkerGlobalScope`. */
export interface ServiceWorkerScopeLike {
  readonly location: { readonly origin: string };
  readonly clients: {
    get(id: string): Promise<ServiceWorkerClientLike | undefined>;
    matchAll(options: { type: 'window' }): Promise<ReadonlyArray<ServiceWorkerClientLike>>;
  };
  addEventListener(type: 'fetch', listener: (event: PluginRouteFetchEvent) => void): void;
  removeEventListener(type: 'fetch', listener: (event: PluginRouteFetchEvent) => void): void;
}

/** Options of servePluginRoutes. */
export interface ServePluginRoutesOptions {
  /** The path prefixes claimed on the worker's origin (default `['/api/plugin/']`); other requests go to the network. */
  paths?: readonly string[];
  /** How long a client has to accept a request before the next one is asked (default 1000 ms). */
  acceptTimeoutMs?: number;
  /** How long an accepting host has to answer (default 30,000 ms); then the answer is 504. */
  timeoutMs?: number;
  /** The largest request or response body relayed (default 4 MiB); a larger request is 413, a larger response 502. */
  maxBodyBytes?: number;
}

/** The handle servePluginRoutes returns. */
export interface PluginRoutesWorker {
  /** The prefixes claimed. */
  readonly paths: readonly string[];
  /** Whether a request would be relayed (same origin, a claimed path). */
  claims(request: Request): boolean;
  /** Stops claiming requests (removes the fetch listener). */
  close(): void;
}

const DEFAULTS = { paths: ['/api/plugin/'], acceptTimeoutMs: 1000, timeoutMs: 30_000, maxBodyBytes: 4 * 1024 * 1024 } as const;

/** The statuses whose responses have no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Makes a service worker answer requests for plugin routes (the `paths`
 * prefixes on its own origin) with the plugins of an open page's host. The
 * requesting client is asked first, then the app's other windows; each must
 * accept within `acceptTimeoutMs`. With no host to answer, the response is a
 * 503 JSON error (`E_NO_HOST`); a host that does not answer within
 * `timeoutMs` gives 504 (`E_TIMEOUT`).
 *
 * @example
 * // sw.js, bundled with plughub/browser
 * import { servePluginRoutes } from 'plughub/browser';
 * servePluginRoutes(self, { paths: ['/api/plugin/'] });
 */
export function servePluginRoutes(scope: ServiceWorkerScopeLike, options: ServePluginRoutesOptions = {}): PluginRoutesWorker {
  const settings = { ...DEFAULTS, ...options };
  const paths = [...settings.paths];
  for (const path of paths) {
    if (!path.startsWith('/')) throw new TypeError(`servePluginRoutes: a claimed path must start with "/" (got ${JSON.stringify(path)})`);
  }
  const claims = (request: Request) => {
    const url = new URL(request.url);
    return url.origin === scope.location.origin && paths.some((path) => url.pathname.startsWith(path));
  };
  const listener = (event: PluginRouteFetchEvent) => {
    if (claims(event.request)) event.respondWith(relay(scope, event, settings));
  };
  scope.addEventListener('fetch', listener);
  return { paths, claims, close: () => scope.removeEventListener('fetch', listener) };
}

type Settings = Required<Omit<ServePluginRoutesOptions, 'paths'>>;

/** Answers one claimed request from the first client that accepts it. */
async function relay(scope: ServiceWorkerScopeLike, event: PluginRouteFetchEvent, settings: Settings): Promise<Response> {
  const { request } = event;
  const what = `${request.method.slice(0, 20)} ${new URL(request.url).pathname.slice(0, 200)}`;
  let relayed: RelayedRequest;
  try {
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const body = hasBody ? await readBodyBytes(request, settings.maxBodyBytes) : null;
    relayed = { method: request.method, url: request.url, headers: headerPairs(request.headers), body };
  } catch (error) {
    if (error instanceof BodyTooLargeError) return errorResponse(413, 'E_TOO_LARGE', `${what}: the request ${error.message}`);
    return errorResponse(400, 'E_BAD_REQUEST', `${what}: ${(error as Error).message}`);
  }
  for (const client of await candidates(scope, event)) {
    const answer = await ask(client, relayed, request.signal, settings, what);
    if (answer) return answer;
  }
  return errorResponse(503, 'E_NO_HOST', `${what}: no open page of this app runs a plugin host (connectServiceWorker) to answer it`, {
    'retry-after': '1',
  });
}

/** The clients to ask, the requesting one first, then the app's other windows (never a navigation's new page). */
async function candidates(scope: ServiceWorkerScopeLike, event: PluginRouteFetchEvent): Promise<ServiceWorkerClientLike[]> {
  const own = event.clientId ? await scope.clients.get(event.clientId) : undefined;
  const windows = await scope.clients.matchAll({ type: 'window' });
  const others = windows.filter((client) => client.id !== event.clientId && client.id !== event.resultingClientId);
  return own ? [own, ...others] : others;
}

/**
 * Posts the request to `client` and resolves with its host's response, or
 * with undefined when the client does not accept within acceptTimeoutMs.
 */
function ask(client: ServiceWorkerClientLike, request: RelayedRequest, signal: AbortSignal, settings: Settings, what: string) {
  return new Promise<Response | undefined>((resolve) => {
    const { port1: port, port2 } = new MessageChannel();
    let accepted = false;
    let timer = setTimeout(() => finish(undefined), settings.acceptTimeoutMs);
    const finish = (response: Response | undefined) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      port.onmessage = null;
      port.close();
      resolve(response);
    };
    const giveUp = (reason: string, response: Response) => {
      port.postMessage({ type: 'abort', reason } satisfies AbortMessage);
      finish(response);
    };
    const onAbort = () => giveUp(`the caller aborted ${what}`, errorResponse(499, 'E_CANCELLED', `${what}: the caller aborted the request`));
    port.onmessage = (message: MessageEvent) => {
      const reply: unknown = message.data;
      if (!isPageReply(reply)) {
        giveUp('malformed reply', errorResponse(502, 'E_BAD_REPLY', `${what}: the page's plugin host sent a malformed reply`));
      } else if (reply.type === 'accepted') {
        if (accepted) return;
        accepted = true;
        clearTimeout(timer);
        timer = setTimeout(
          () => giveUp('timeout', errorResponse(504, 'E_TIMEOUT', `${what}: the page's plugin host did not answer within ${settings.timeoutMs} ms`)),
          settings.timeoutMs,
        );
      } else if (reply.type === 'error') {
        const code = /^E_[A-Z_]{1,40}$/.test(reply.code) ? reply.code : 'E_INTERNAL';
        finish(errorResponse(reply.status >= 400 && reply.status <= 599 ? reply.status : 502, code, reply.message.slice(0, 2000)));
      } else if (reply.response.body && reply.response.body.byteLength > settings.maxBodyBytes) {
        finish(errorResponse(502, 'E_TOO_LARGE', `${what}: the response body is over the limit of ${settings.maxBodyBytes} bytes`));
      } else {
        finish(toResponse(reply.response, what));
      }
    };
    if (signal.aborted) {
      finish(errorResponse(499, 'E_CANCELLED', `${what}: the caller aborted the request`));
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const message: FetchMessage = { type: FETCH_MESSAGE, request, maxBodyBytes: settings.maxBodyBytes };
    try {
      client.postMessage(message, [port2]);
    } catch {
      // A client that went away (or cannot take the message) is one that did not accept.
      finish(undefined);
    }
  });
}

/** The Response for a relayed one; a 502 when its status text or headers are not valid HTTP. */
function toResponse(relayed: RelayedResponse, what: string): Response {
  const body = NULL_BODY_STATUSES.has(relayed.status) ? null : relayed.body;
  try {
    return new Response(body, { status: relayed.status, statusText: relayed.statusText, headers: relayed.headers });
  } catch (error) {
    return errorResponse(502, 'E_BAD_REPLY', `${what}: the page's plugin host answered with an invalid response (${(error as Error).message})`);
  }
}
