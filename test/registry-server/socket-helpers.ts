/**
 * Helpers for tests that run the registry over a real socket (127.0.0.1,
 * port 0, closed after the test): a served handler that reports each status
 * it answered with, a served test registry, and raw node:http PUTs whose
 * bytes and timing the test controls.
 */
import { EventEmitter } from 'node:events';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { serveNode, type FetchHandler, type NodeServer, type ServeNodeOptions } from '../../registry-server/index.js';
import { onCleanup, testRegistry, type TestRegistry } from './helpers.js';

/** Serves a handler on port 0 for the current test; `handled` emits each status the handler answered with. */
export async function serve(handler: FetchHandler, options: ServeNodeOptions = {}): Promise<{ server: NodeServer; handled: EventEmitter }> {
  const handled = new EventEmitter();
  const server = await serveNode(
    {
      async fetch(request) {
        const response = await handler.fetch(request);
        handled.emit('status', response.status);
        return response;
      },
    },
    { port: 0, host: '127.0.0.1', closeGraceMs: 100, ...options },
  );
  onCleanup(() => server.close());
  return { server, handled };
}

/** A test registry served over a socket, with the sockets the server accepted. */
export interface ServedRegistry extends TestRegistry {
  url: string;
  handled: EventEmitter;
  server: NodeServer;
  /** Every socket the server accepted so far. */
  sockets: Socket[];
}

/** A test registry (see testRegistry) served on port 0 for the current test. */
export async function servedRegistry(options: Parameters<typeof testRegistry>[0] = {}, serveOptions: ServeNodeOptions = {}): Promise<ServedRegistry> {
  const registry = await testRegistry(options);
  const { server, handled } = await serve(registry, serveOptions);
  const sockets: Socket[] = [];
  server.server.on('connection', (socket: Socket) => sockets.push(socket));
  return { ...registry, url: server.url, handled, server, sockets };
}

/** The answer to a raw request, body as text. */
export interface RawAnswer {
  message: IncomingMessage;
  body: string;
}

/** Starts a raw PUT with node:http (no agent) so a test controls what is sent and when. */
export function rawPut(url: string, path: string, headers: Record<string, string>): { request: ClientRequest; response: Promise<RawAnswer> } {
  const request = httpRequest(`${url}${path}`, { method: 'PUT', headers, agent: false });
  const response = new Promise<RawAnswer>((resolve, reject) => {
    request.once('response', (message) => {
      let body = '';
      message.setEncoding('utf8');
      message.on('data', (chunk: string) => (body += chunk));
      message.once('end', () => resolve({ message, body }));
      message.once('error', reject);
    });
    request.once('error', reject);
  });
  return { request, response };
}
