/**
 * The service worker relay's two halves wired together under happy-dom:
 * servePluginRoutes on a stand-in of ServiceWorkerGlobalScope (an event
 * listener table and clients whose postMessage delivers to a page), and
 * connectServiceWorker on each page's message target, over real
 * MessageChannels, answering with a real browser host and a route plugin.
 * Covers what a real browser makes slow or hard to provoke: the choice of
 * client, the timeouts, the body limits both ways, malformed replies, the
 * caller's abort, closing. test/chromium/service-worker.test.ts runs the
 * real thing in Chromium.
 */
import { describe, expect, it } from 'vitest';
import {
  connectServiceWorker,
  servePluginRoutes,
  type PluginRouteFetchEvent,
  type RouteServingHost,
  type ServePluginRoutesOptions,
  type ServiceWorkerClientLike,
  type ServiceWorkerMessages,
} from '../../src/browser/index.js';
import { publish } from '../core/host/fixture.js';
import { browserSetup } from './helpers.js';

const ORIGIN = 'https://app.example';

const ROUTES = {
  http_services: {
    driver: 'fetch',
    routes: [
      { route: '/api/plugin/notes/:id', method: 'GET', label: 'notes.get' },
      { route: '/api/plugin/notes', method: 'POST', label: 'notes.add' },
      { route: '/api/plugin/big/:bytes', method: 'GET', label: 'big' },
      { route: '/api/plugin/wait', method: 'GET', label: 'wait' },
    ],
  },
};

const NOTES = `export default {
  async execute(ctx) {
    if (ctx.label === 'notes.add') return new Response(await ctx.request.arrayBuffer(), { status: 201, headers: { 'x-note': 'added' } });
    if (ctx.label === 'big') return 'x'.repeat(Number(ctx.get('params').bytes));
    if (ctx.label === 'wait') {
      globalThis.notesWaiting = true;
      return new Promise((resolve) => ctx.signal.addEventListener('abort', () => { globalThis.notesAborted = String(ctx.signal.reason?.message); resolve('aborted'); }));
    }
    return { id: ctx.get('params').id };
  },
};`;

/** A page (or worker) of the app: the target its service worker's messages arrive on. */
class PageMessages implements ServiceWorkerMessages {
  readonly #target = new EventTarget();
  started = false;
  startMessages() {
    this.started = true;
  }
  addEventListener(type: 'message', listener: (event: MessageEvent) => void) {
    this.#target.addEventListener(type, listener as EventListener);
  }
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void) {
    this.#target.removeEventListener(type, listener as EventListener);
  }
  dispatchEvent(event: MessageEvent) {
    this.#target.dispatchEvent(event);
  }
}

/** A client of the worker that delivers messages to `page` as a browser does (data cloned, ports transferred). */
function clientOf(id: string, page: PageMessages): ServiceWorkerClientLike {
  return {
    id,
    postMessage(message, transfer) {
      // The worker transfers the reply port alone (happy-dom's MessagePort global is not Node's, so no instanceof).
      const data = structuredClone(message);
      setTimeout(() => page.dispatchEvent(new MessageEvent('message', { data, ports: transfer as MessagePort[] })));
    },
  };
}

/** A stand-in service worker scope with the given window clients; `request` dispatches one fetch event. */
function workerScope(windows: ServiceWorkerClientLike[], options?: ServePluginRoutesOptions) {
  const listeners = new Set<(event: PluginRouteFetchEvent) => void>();
  const scope = {
    location: { origin: ORIGIN },
    clients: {
      get: async (id: string) => windows.find((client) => client.id === id),
      matchAll: async () => windows,
    },
    addEventListener: (_type: 'fetch', listener: (event: PluginRouteFetchEvent) => void) => void listeners.add(listener),
    removeEventListener: (_type: 'fetch', listener: (event: PluginRouteFetchEvent) => void) => void listeners.delete(listener),
  };
  const routes = servePluginRoutes(scope, options);
  return {
    routes,
    listeners,
    /** The response the worker gives `request` from `clientId`, or undefined when it leaves it to the network. */
    request(request: Request, clientId = 'page-1'): Promise<Response> | undefined {
      let answer: Promise<Response> | undefined;
      const event: PluginRouteFetchEvent = { request, clientId, respondWith: (response) => void (answer = response) };
      for (const listener of listeners) listener(event);
      return answer;
    },
  };
}

async function notesHost() {
  const { registry, host } = browserSetup();
  await publish(registry, 'notes', '1.0.0', NOTES, ROUTES);
  const browserHost = host();
  await browserHost.load('notes@^1');
  return browserHost;
}

async function errorOf(response: Response | undefined) {
  if (!response) throw new Error('the worker left the request to the network');
  return { status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error };
}

describe('servePluginRoutes with connectServiceWorker', () => {
  it('relays a claimed request to the requesting page’s host and gives back its response', async () => {
    const host = await notesHost();
    const page = new PageMessages();
    const connection = connectServiceWorker(host, { container: page });
    expect(page.started).toBe(true);
    const worker = workerScope([clientOf('page-1', page)]);
    const got = await worker.request(new Request(`${ORIGIN}/api/plugin/notes/42`));
    expect(got?.status).toBe(200);
    expect(await got?.json()).toEqual({ id: '42' });
    const body = new Uint8Array([0, 1, 2, 255]);
    const added = await worker.request(new Request(`${ORIGIN}/api/plugin/notes`, { method: 'POST', body }));
    expect(added?.status).toBe(201);
    expect(added?.headers.get('x-note')).toBe('added');
    expect(new Uint8Array(await added!.arrayBuffer())).toEqual(body);
    expect(connection.pending).toBe(0);
    await host.close();
  });

  it('leaves other paths and other origins to the network', () => {
    const worker = workerScope([]);
    expect(worker.request(new Request(`${ORIGIN}/app.js`))).toBeUndefined();
    expect(worker.request(new Request(`${ORIGIN}/api/plugins/x`))).toBeUndefined();
    expect(worker.request(new Request('https://other.example/api/plugin/notes/1'))).toBeUndefined();
    expect(worker.routes.claims(new Request(`${ORIGIN}/api/plugin/notes/1`))).toBe(true);
    worker.routes.close();
    expect(worker.listeners.size).toBe(0);
  });

  it('asks the app’s other windows when the requesting one has no host, and answers 503 when none has', async () => {
    const host = await notesHost();
    const [plain, other] = [new PageMessages(), new PageMessages()];
    const connection = connectServiceWorker(host, { container: other });
    const worker = workerScope([clientOf('page-1', plain), clientOf('page-2', other)], { acceptTimeoutMs: 50 });
    expect(await (await worker.request(new Request(`${ORIGIN}/api/plugin/notes/9`)))?.json()).toEqual({ id: '9' });
    connection.close();
    expect(await errorOf(await worker.request(new Request(`${ORIGIN}/api/plugin/notes/9`)))).toEqual({
      status: 503,
      code: 'E_NO_HOST',
      message: 'GET /api/plugin/notes/9: no open page of this app runs a plugin host (connectServiceWorker) to answer it',
    });
    await host.close();
  });

  it('answers 504 when the host does not answer in time, and aborts the plugin’s call', async () => {
    const host = await notesHost();
    const page = new PageMessages();
    const connection = connectServiceWorker(host, { container: page });
    const worker = workerScope([clientOf('page-1', page)], { timeoutMs: 100 });
    expect(await errorOf(await worker.request(new Request(`${ORIGIN}/api/plugin/wait`)))).toEqual({
      status: 504,
      code: 'E_TIMEOUT',
      message: "GET /api/plugin/wait: the page's plugin host did not answer within 100 ms",
    });
    await expect.poll(() => (globalThis as { notesAborted?: string }).notesAborted).toBe('timeout');
    await expect.poll(() => connection.pending).toBe(0);
    await host.close();
  });

  it('aborts the calls in flight when the page closes its connection, and the worker answers at once', async () => {
    const host = await notesHost();
    const page = new PageMessages();
    const connection = connectServiceWorker(host, { container: page });
    const worker = workerScope([clientOf('page-1', page)]);
    const shared = globalThis as { notesAborted?: string; notesWaiting?: boolean };
    shared.notesAborted = undefined;
    shared.notesWaiting = false;
    const answer = worker.request(new Request(`${ORIGIN}/api/plugin/wait`));
    await expect.poll(() => shared.notesWaiting).toBe(true);
    expect(connection.pending).toBe(1);
    connection.close();
    const response = await answer;
    expect(response?.status).toBe(503);
    expect(shared.notesAborted).toBe('the page stopped serving plugin routes');
    await host.close();
  });

  it('passes the caller’s abort on to the plugin', async () => {
    const host = await notesHost();
    const page = new PageMessages();
    connectServiceWorker(host, { container: page });
    const worker = workerScope([clientOf('page-1', page)]);
    const controller = new AbortController();
    const shared = globalThis as { notesAborted?: string; notesWaiting?: boolean };
    shared.notesAborted = undefined;
    shared.notesWaiting = false;
    const answer = worker.request(new Request(`${ORIGIN}/api/plugin/wait`, { signal: controller.signal }));
    await expect.poll(() => shared.notesWaiting).toBe(true);
    controller.abort();
    expect((await answer)?.status).toBe(499);
    await expect.poll(() => shared.notesAborted).toMatch(/aborted/);
    await host.close();
  });

  it('refuses bodies over the limit: 413 for a request (not relayed), 502 for a response', async () => {
    const host = await notesHost();
    const page = new PageMessages();
    connectServiceWorker(host, { container: page });
    const worker = workerScope([clientOf('page-1', page)], { maxBodyBytes: 1000 });
    const post = new Request(`${ORIGIN}/api/plugin/notes`, { method: 'POST', body: new Uint8Array(1001) });
    expect(await errorOf(await worker.request(post))).toEqual({
      status: 413,
      code: 'E_TOO_LARGE',
      message: 'POST /api/plugin/notes: the request body is over the limit of 1000 bytes',
    });
    expect((await worker.request(new Request(`${ORIGIN}/api/plugin/big/1000`)))?.status).toBe(200);
    expect(await errorOf(await worker.request(new Request(`${ORIGIN}/api/plugin/big/1001`)))).toEqual({
      status: 502,
      code: 'E_TOO_LARGE',
      message: 'GET /api/plugin/big/1001: the response body is over the limit of 1000 bytes',
    });
    await host.close();
  });

  it('answers 502 to a malformed reply and 500 with the code when host.fetch throws', async () => {
    const rogue = new PageMessages();
    rogue.addEventListener('message', (event) => {
      event.ports[0]?.postMessage({ type: 'accepted' });
      event.ports[0]?.postMessage({ type: 'response', response: { status: 'ok' } });
    });
    const worker = workerScope([clientOf('page-1', rogue)]);
    expect(await errorOf(await worker.request(new Request(`${ORIGIN}/api/plugin/notes/1`)))).toMatchObject({ status: 502, code: 'E_BAD_REPLY' });

    const failing: RouteServingHost = {
      fetch: () => Promise.reject(Object.assign(new Error('host closed'), { code: 'E_USAGE' })),
    };
    const page = new PageMessages();
    connectServiceWorker(failing, { container: page });
    const next = workerScope([clientOf('page-1', page)]);
    expect(await errorOf(await next.request(new Request(`${ORIGIN}/api/plugin/notes/1`)))).toEqual({
      status: 500,
      code: 'E_USAGE',
      message: 'GET /api/plugin/notes/1: Error: host closed',
    });
  });

  it('ignores messages that are not well-formed relayed requests', async () => {
    const page = new PageMessages();
    const calls: string[] = [];
    connectServiceWorker(
      {
        fetch: async (request) => {
          calls.push(request.url);
          return new Response('x');
        },
      },
      { container: page },
    );
    const malformed = new MessageChannel();
    const replies: unknown[] = [];
    malformed.port1.onmessage = (event) => void replies.push(event.data);
    page.dispatchEvent(new MessageEvent('message', { data: { type: 'plughub:fetch', request: { method: 'GET' } }, ports: [malformed.port2] }));
    page.dispatchEvent(new MessageEvent('message', { data: 'hello' }));
    const notUrl = new MessageChannel();
    const notUrlReplies: unknown[] = [];
    notUrl.port1.onmessage = (event) => void notUrlReplies.push(event.data);
    const request = { method: 'GET', url: 'not a url', headers: [], body: null };
    page.dispatchEvent(new MessageEvent('message', { data: { type: 'plughub:fetch', request, maxBodyBytes: 10 }, ports: [notUrl.port2] }));
    // Messages are answered in order: once a well-formed one is answered, the others were seen and ignored.
    const worker = workerScope([clientOf('page-1', page)]);
    expect(await (await worker.request(new Request(`${ORIGIN}/api/plugin/any`)))?.text()).toBe('x');
    expect(calls).toEqual([`${ORIGIN}/api/plugin/any`]);
    expect(replies).toEqual([]);
    expect(notUrlReplies).toEqual([]);
    malformed.port1.close();
    notUrl.port1.close();
  });
});
