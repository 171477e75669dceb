/**
 * A tiny static file server for the example host page: fixed routes served
 * from memory on 127.0.0.1 port 0, each with its own headers (so one route can
 * carry a strict Content-Security-Policy and another a lenient one). It is a
 * different origin from the registry, so the page's registry requests are
 * cross-origin and CORS is exercised.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One route: its body, Content-Type and extra headers. */
export interface StaticRoute {
  body: string | Uint8Array;
  type: string;
  headers?: Record<string, string>;
}

/** A running static server. */
export interface StaticServer {
  readonly url: string;
  readonly origin: string;
  /** Adds or replaces a route. */
  set(path: string, route: StaticRoute): void;
  close(): Promise<void>;
}

/** Serves `routes` (path → route); other paths are 404. */
export async function startStaticServer(routes: Record<string, StaticRoute> = {}): Promise<StaticServer> {
  const table = new Map(Object.entries(routes));
  const server = createServer((request, response) => {
    const route = table.get(new URL(request.url ?? '/', 'http://x').pathname);
    if (!route || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = typeof route.body === 'string' ? Buffer.from(route.body) : route.body;
    response.writeHead(200, {
      'content-type': route.type,
      'content-length': body.byteLength,
      'cache-control': 'no-store',
      ...route.headers,
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    origin,
    set: (path, route) => void table.set(path, route),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
