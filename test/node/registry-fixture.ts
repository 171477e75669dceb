/**
 * A real registry for Node host tests: the registry server on a filesystem
 * data directory (no in-memory blob cache, so bytes altered on its disk are
 * served as they are), over node:http on 127.0.0.1 port 0, with a publish
 * token. Registries still running are closed in afterEach, their storage
 * included (its start-up may still be writing into the data directory).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { collectBytes, packPlg } from '../../src/core/plg/index.js';
import { createRegistryClient, type RegistryClient } from '../../src/core/registry/client.js';
import { createFsStorage, createMemoryTokenStore, createRegistry, serveNode, type NodeServer } from '../../registry-server/index.js';
import { tempDir } from './helpers.js';

const running = new Set<() => Promise<void>>();

afterEach(async () => {
  const closes = [...running];
  running.clear();
  await Promise.all(closes.map((close) => close()));
});

/** A registry served on a free loopback port. */
export interface TestRegistry {
  url: string;
  dataDir: string;
  /** A client that does not retry, so that offline tests fail fast. */
  client: RegistryClient;
  /** Packs and publishes `name@version` with `source` as its bundle (dist/index.js); returns the version entry. */
  publish(name: string, version: string, source: string, manifest?: Record<string, unknown>): ReturnType<RegistryClient['publish']>;
  /** Overwrites the stored blob of an integrity on the server's disk. */
  tamperBlob(hex: string, text: string): Promise<void>;
  /** The path of a plugin's document on the server's disk. */
  documentPath(name: string): string;
  close(): Promise<void>;
}

/** Starts a registry on a fresh data directory. */
export async function startRegistry(): Promise<TestRegistry> {
  const dataDir = await tempDir('plughub-registry-');
  const tokens = createMemoryTokenStore();
  const { token } = await tokens.create({ admin: true, publish: [] });
  const storage = createFsStorage(dataDir, { blobCacheBytes: 0 });
  const registry = createRegistry({ storage, tokens });
  const server: NodeServer = await serveNode(registry, { port: 0, host: '127.0.0.1', closeGraceMs: 100 });
  const close = async () => {
    await server.close();
    await registry.close();
    await storage.close();
  };
  running.add(close);
  const client = createRegistryClient({ url: server.url, retry: 0, timeoutMs: 5_000 });
  return {
    url: server.url,
    dataDir,
    client,
    async publish(name, version, source, manifest = {}) {
      const json = { name, version, source: { mode: 'esm', path: 'dist/index.js' }, ...manifest };
      const plg = await collectBytes(
        packPlg([
          { path: 'plugin.json', content: JSON.stringify(json) },
          { path: 'dist/index.js', content: source },
        ]),
      );
      const entry = await client.publish(name, version, plg, { token });
      // Its files in place (right after the answer; the list waits for them), for the tests that alter them.
      await storage.listPlugins();
      return entry;
    },
    async tamperBlob(hex, text) {
      await writeFile(join(dataDir, 'blobs', 'sha256', hex), text);
    },
    documentPath: (name) => join(dataDir, 'plugins', name.replace('/', '%2F'), 'document.json'),
    async close() {
      running.delete(close);
      await close();
    },
  };
}
