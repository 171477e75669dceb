/**
 * The two servers of bench/registry-throughput.ts, each run in a process of
 * its own (forked by that script, so that wrk's, the script's and each
 * server's CPU time stay apart): `registry` serves a registry on the
 * filesystem storage and tells the script its URL and a publish token (the
 * script publishes the fixture and reads what the registry answers, see
 * registry-throughput-fixture.ts: a server process runs no HTTP client);
 * `raw` is a plain node:http server answering those same bytes and headers
 * from memory, keyed by path, with a 304 when If-None-Match is the ETag. Both
 * answer `{ type: 'cpu' }` with their process's CPU time so far (user and
 * system apart) and exit on
 * `{ type: 'stop' }`. Not run directly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileTokenStore, createFsStorage, createRegistry, serveNode } from '../registry-server/index.js';

/** One route as both servers answer it: the path, its 200 and, with an ETag, its 304. */
export interface FixtureRoute {
  path: string;
  headers: Record<string, string>;
  /** The body, base64 (IPC carries JSON). */
  body: string;
  etag: string;
  notModifiedHeaders: Record<string, string>;
}

/** What a server tells the script: the registry its URL and a publish token, raw its URL once it serves the fixture. */
export type ServerMessage = { type: 'listening'; url: string; token: string } | { type: 'ready'; url: string } | { type: 'cpu'; user: number; system: number };

/** What the script tells a server. */
export type ScriptMessage = { type: 'serve'; routes: FixtureRoute[] } | { type: 'cpu' } | { type: 'stop' };

function send(message: ServerMessage): void {
  process.send?.(message);
}

function cpuMicros(): { user: number; system: number } {
  const { user, system } = process.cpuUsage();
  return { user, system };
}

async function serveRegistry(): Promise<void> {
  const data = await mkdtemp(join(tmpdir(), 'plughub-bench-'));
  const storage = createFsStorage(data);
  const tokens = createFileTokenStore(data);
  const { token } = await tokens.create({ admin: true, publish: [] });
  const registry = createRegistry({ storage, tokens });
  const server = await serveNode(registry, { port: 0 });
  onMessage(async () => {
    await server.close();
    await registry.close();
    await storage.close();
    await rm(data, { recursive: true, force: true });
  });
  send({ type: 'listening', url: server.url, token });
}

function serveRaw(routes: FixtureRoute[]): void {
  const byPath = new Map(routes.map((route) => [route.path, { ...route, bytes: Buffer.from(route.body, 'base64') }]));
  const server = createServer((req, res) => {
    const route = byPath.get(req.url ?? '');
    if (route === undefined) {
      res.writeHead(404);
      res.end();
    } else if (req.headers['if-none-match'] === route.etag) {
      res.writeHead(304, route.notModifiedHeaders);
      res.end();
    } else {
      res.writeHead(200, route.headers);
      res.end(route.bytes);
    }
  });
  server.listen(0, '127.0.0.1', () => {
    send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  onMessage(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

/** Answers CPU questions; on `stop`, runs `stop` and exits (which writes a --cpu-prof profile). */
function onMessage(stop: () => Promise<void>): void {
  process.on('message', (message: ScriptMessage) => {
    if (message.type === 'cpu') send({ type: 'cpu', ...cpuMicros() });
    else if (message.type === 'stop') void stop().finally(() => process.exit(0));
  });
}

const mode = process.argv[2];
if (mode === 'registry') await serveRegistry();
else if (mode === 'raw') {
  process.once('message', (message: ScriptMessage) => {
    if (message.type === 'serve') serveRaw(message.routes);
  });
} else {
  console.error('bench/registry-throughput-servers.ts is run by bench/registry-throughput.ts');
  process.exitCode = 1;
}
