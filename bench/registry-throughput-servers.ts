/**
 * The two servers of bench/registry-throughput.ts, each run in a process of
 * its own (forked by that script, so that wrk's, the script's and each
 * server's CPU time stay apart): `registry` serves a registry on the
 * filesystem storage with a published plugin and tells the script what it
 * answers (the fixture: the document, its 304, a bundle blob); `raw` is a
 * plain node:http server answering those same bytes and headers from
 * memory, keyed by path, with a 304 when If-None-Match is the ETag. Both
 * answer `{ type: 'cpu' }` with their process's CPU time so far and exit on
 * `{ type: 'stop' }`. Not run directly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectBytes, packPlg } from '../src/core/plg/index.js';
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

/** What a server tells the script. */
export type ServerMessage = { type: 'ready'; url: string; routes: FixtureRoute[] } | { type: 'cpu'; micros: number };

/** What the script tells a server. */
export type ScriptMessage = { type: 'serve'; routes: FixtureRoute[] } | { type: 'cpu' } | { type: 'stop' };

const DROPPED_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function send(message: ServerMessage): void {
  process.send?.(message);
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** The headers of a response, as the raw server must send them (node:http adds Date and Connection itself). */
function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (!DROPPED_HEADERS.has(key)) headers[key] = value;
  });
  return headers;
}

/** Captures what the registry answers at `path`: its 200 and the 304 to its own ETag. */
async function capture(url: string, path: string): Promise<FixtureRoute> {
  const response = await fetch(`${url}${path}`);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  const body = new Uint8Array(await response.arrayBuffer());
  const etag = response.headers.get('etag') ?? '';
  const again = await fetch(`${url}${path}`, { headers: { 'if-none-match': etag } });
  if (again.status !== 304) throw new Error(`${path} with If-None-Match: ${again.status}, expected 304`);
  await again.arrayBuffer();
  return { path, headers: headersOf(response), body: Buffer.from(body).toString('base64'), etag, notModifiedHeaders: headersOf(again) };
}

async function publishFixture(url: string, token: string): Promise<void> {
  const bundle = `export function execute(ctx) { return ${JSON.stringify('x'.repeat(37_000))}.length; }\n`;
  for (let minor = 0; minor < 5; minor++) {
    const version = `1.${minor}.0`;
    const manifest = { name: 'bench', version, description: 'A plugin to measure the registry with', source: { mode: 'esm', path: 'dist/index.js' } };
    const plg = await collectBytes(
      packPlg([
        { path: 'plugin.json', content: JSON.stringify(manifest) },
        { path: 'dist/index.js', content: `${bundle}// ${version}\n` },
      ]),
    );
    const response = await fetch(`${url}/v1/plugins/bench/${version}`, {
      method: 'PUT',
      body: plg as Uint8Array<ArrayBuffer>,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
    });
    if (response.status !== 201) throw new Error(`publish ${version}: ${response.status} ${await response.text()}`);
  }
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
  await publishFixture(server.url, token);
  const documentPath = '/v1/plugins/bench';
  const document = await capture(server.url, documentPath);
  const parsed = JSON.parse(Buffer.from(document.body, 'base64').toString('utf8')) as { versions: Record<string, { dist: { url: string } }> };
  const blobPath = parsed.versions['1.4.0']?.dist.url ?? '';
  send({ type: 'ready', url: server.url, routes: [document, await capture(server.url, blobPath)] });
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
    send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, routes });
  });
  onMessage(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

/** Answers CPU questions; on `stop`, runs `stop` and exits (which writes a --cpu-prof profile). */
function onMessage(stop: () => Promise<void>): void {
  process.on('message', (message: ScriptMessage) => {
    if (message.type === 'cpu') send({ type: 'cpu', micros: cpuMicros() });
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
