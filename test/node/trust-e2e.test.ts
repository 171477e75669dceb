/**
 * End to end in Node: the real registry server signing its metadata (served
 * on 127.0.0.1 port 0), a Node host with its key in trustedKeys, and the
 * same registry exported with exportRegistry (`plughub export`) and served by
 * a plain static file server: it loads with the same guarantees, and one
 * byte changed in an exported document is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBytes, packPlg } from '../../src/core/plg/index.js';
import { createRegistryClient } from '../../src/core/registry/client.js';
import { generateSigningKey, type GeneratedSigningKey } from '../../src/core/trust/envelope.js';
import {
  createFsStorage,
  createMemoryTokenStore,
  createMemorySigningStore,
  createRegistry,
  exportRegistry,
  serveNode,
  Signer,
  type NodeServer,
} from '../../registry-server/index.js';
import { nodeHost, tempDir } from './helpers.js';

let key: GeneratedSigningKey;
let dataDir: string;
let server: NodeServer;
let storage: ReturnType<typeof createFsStorage>;
let signing: { store: ReturnType<typeof createMemorySigningStore>; key: GeneratedSigningKey };
const statics: Server[] = [];

/** Serves the files under `root` as they are, for GET only; 404 otherwise. */
async function serveStatic(root: string): Promise<string> {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    try {
      const body = await readFile(join(root, path));
      response.writeHead(200, { 'content-length': body.byteLength }).end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  statics.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  key = await generateSigningKey();
  dataDir = await mkdtemp(join(tmpdir(), 'plughub-trust-e2e-'));
  const tokens = createMemoryTokenStore();
  const { token } = await tokens.create({ admin: true, publish: [] });
  storage = createFsStorage(dataDir);
  signing = { store: createMemorySigningStore(), key };
  server = await serveNode(createRegistry({ storage, tokens, signing }), { port: 0, host: '127.0.0.1', closeGraceMs: 200 });
  const client = createRegistryClient({ url: server.url, token, retry: 0 });
  const plg = await collectBytes(
    packPlg([
      { path: 'plugin.json', content: JSON.stringify({ name: 'hello', version: '1.0.0', source: { mode: 'esm', path: 'index.js' } }) },
      { path: 'index.js', content: 'export default { execute: () => "signed hello" };' },
    ]),
  );
  await client.publish('hello', '1.0.0', plg);
});

afterAll(async () => {
  await Promise.all(
    statics.map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
  await server?.close();
  await storage?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('signed metadata end to end', () => {
  it('loads from the signing server with its key trusted, and refuses it under another key', async () => {
    const host = await nodeHost({ registry: server.url, trustedKeys: [key.publicKey] });
    await host.load('hello@^1');
    expect(await host.execute('hello')).toBe('signed hello');
    await host.settled();
    expect((await host.documents.get(server.url, 'hello'))?.envelope).toBeDefined();
    await host.close();
    const stranger = await generateSigningKey();
    const refused = await nodeHost({ registry: server.url, trustedKeys: [stranger.publicKey] });
    await expect(refused.load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE' });
    expect(await refused.cache.list()).toEqual([]);
    await refused.close();
  });

  it('loads an export served by a plain static server; one byte changed is refused', async () => {
    const out = await tempDir('plughub-export-');
    await exportRegistry({ storage, signer: new Signer({ ...signing }, Date.now), out, ttlMs: 24 * 60 * 60 * 1000 });
    const url = await serveStatic(out);
    const host = await nodeHost({ registry: url, trustedKeys: [key.publicKey] });
    await host.load('hello');
    expect(await host.execute('hello')).toBe('signed hello');
    await host.close();

    const file = join(out, 'v1', 'plugins', 'hello');
    const text = await readFile(file, 'utf8');
    // One byte of the signed payload: the first digit of its version entry's size.
    const at = text.indexOf('size') + 7;
    expect(text[at]).toMatch(/\d/);
    await writeFile(file, text.slice(0, at) + String((Number(text[at]) + 1) % 10) + text.slice(at + 1));
    const tampered = await nodeHost({ registry: url, trustedKeys: [key.publicKey] });
    await expect(tampered.load('hello')).rejects.toMatchObject({ code: 'E_SIGNATURE' });
    expect(await tampered.cache.list()).toEqual([]);
    await tampered.close();
  });
});
