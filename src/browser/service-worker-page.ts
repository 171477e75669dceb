/**
 * The page side of serving plugin routes from a Service Worker:
 * `connectServiceWorker(host)` makes a page's (or a worker's) plugin host
 * answer the requests the app's service worker relays to it
 * (service-worker.ts). Each request is accepted at once, rebuilt as a
 * `Request` whose signal follows the worker's `abort`, answered by
 * `host.fetch`, and its response body read (up to the worker's limit) and
 * transferred back as bytes.
 */
import { UsageError } from '../core/errors/index.js';
import {
  BodyTooLargeError,
  headerPairs,
  isFetchMessage,
  readBodyBytes,
  type FetchMessage,
  type PageReply,
  type RelayedResponse,
} from './service-worker-messages.js';

/** What connectServiceWorker needs of a host: `host.fetch`. */
export interface RouteServingHost {
  fetch(request: Request): Promise<Response>;
}

/** Where relayed requests arrive: what connectServiceWorker uses of `navigator.serviceWorker`. */
export interface ServiceWorkerMessages {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  startMessages(): void;
}

/** Options of connectServiceWorker. */
export interface ConnectServiceWorkerOptions {
  /** The container the messages come from (default `navigator.serviceWorker`). */
  container?: ServiceWorkerMessages;
}

/** The handle connectServiceWorker returns. */
export interface ServiceWorkerConnection {
  /** Requests being answered now. */
  readonly pending: number;
  /** Stops answering: later requests go to another page or get 503; those in flight are aborted. */
  close(): void;
}

/**
 * Answers the plugin-route requests the app's service worker relays to this
 * page with `host.fetch`. Call it once the host exists; requests that arrive
 * before a plugin is loaded get the host's own answer (404 JSON).
 *
 * @example
 * import { connectServiceWorker, createPluginHost } from 'plughub/browser';
 * const host = createPluginHost({ registry: 'https://plugins.example', database: 'my-app' });
 * connectServiceWorker(host);
 * await navigator.serviceWorker.register('/sw.js', { type: 'module' });
 * await host.load('sample@^1');
 * const answer = await fetch('/api/plugin/sample/42'); // served by the plugin, through the worker
 */
export function connectServiceWorker(host: RouteServingHost, options: ConnectServiceWorkerOptions = {}): ServiceWorkerConnection {
  const container = options.container ?? (globalThis as { navigator?: { serviceWorker?: ServiceWorkerMessages } }).navigator?.serviceWorker;
  if (!container) {
    throw new UsageError(
      'connectServiceWorker: this context has no navigator.serviceWorker (service workers need a secure context: https, localhost or 127.0.0.1)',
    );
  }
  const inFlight = new Set<AbortController>();
  const listener = (event: MessageEvent) => {
    const [port] = event.ports;
    if (!port || !isFetchMessage(event.data)) return;
    const controller = new AbortController();
    inFlight.add(controller);
    port.postMessage({ type: 'accepted' } satisfies PageReply);
    void answer(host, event.data, port, controller).finally(() => inFlight.delete(controller));
  };
  container.addEventListener('message', listener);
  container.startMessages();
  return {
    get pending() {
      return inFlight.size;
    },
    close() {
      container.removeEventListener('message', listener);
      for (const controller of inFlight) controller.abort(new DOMException('the page stopped serving plugin routes', 'AbortError'));
    },
  };
}

/** Runs one relayed request through `host.fetch` and posts the reply on `port`. */
async function answer(host: RouteServingHost, message: FetchMessage, port: MessagePort, controller: AbortController): Promise<void> {
  const { request, maxBodyBytes } = message;
  const what = `${request.method.slice(0, 20)} ${new URL(request.url).pathname.slice(0, 200)}`;
  port.onmessage = (event: MessageEvent) => {
    const data = event.data as { type?: unknown; reason?: unknown } | null;
    if (data?.type === 'abort') controller.abort(new DOMException(String(data.reason), 'AbortError'));
  };
  let reply: PageReply;
  let transfer: Transferable[] = [];
  try {
    const response = await host.fetch(
      new Request(request.url, { method: request.method, headers: request.headers, body: request.body, signal: controller.signal }),
    );
    const body = await readBodyBytes(response, maxBodyBytes);
    const relayed: RelayedResponse = { status: response.status, statusText: response.statusText, headers: headerPairs(response.headers), body };
    reply = { type: 'response', response: relayed };
    transfer = body ? [body] : [];
  } catch (error) {
    reply =
      error instanceof BodyTooLargeError
        ? { type: 'error', status: 502, code: 'E_TOO_LARGE', message: `${what}: the response ${error.message}` }
        : { type: 'error', status: 500, code: errorCode(error), message: `${what}: ${describe(error)}` };
  }
  // After the worker's abort its end is closed and this is dropped; after close() it tells the worker at once.
  port.postMessage(reply, transfer);
  port.onmessage = null;
  port.close();
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'E_INTERNAL';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
