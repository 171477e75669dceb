/**
 * A real registry server for the real-browser tests: createRegistry over the
 * filesystem driver in a temp directory, served by serveNode on 127.0.0.1
 * port 0, with a publish token. `publish` packs a .plg in memory and PUTs it
 * through the registry client, as the CLI would; `blobFile` is the file a test
 * edits to tamper with a published bundle. `close` stops the server (the data
 * stays until `remove`), so a test can take the registry offline. With
 * `signing`, the registry serves signed metadata, and `storage` is there to
 * export it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectBytes, packPlg } from '../../../src/core/plg/index.js';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import type { VersionEntry } from '../../../src/core/registry/document.js';
import { createFsStorage, createMemoryTokenStore, createRegistry, serveNode, type SigningOptions } from '../../../registry-server/index.js';

/** A running (or stopped) registry and the handles tests use. */
export interface TestRegistry {
  readonly url: string;
  readonly dataDir: string;
  /** The server's storage (for exportRegistry). */
  readonly storage: ReturnType<typeof createFsStorage>;
  /** Publishes `name@version` with `code` as its bundle (index.js). */
  publish(name: string, version: string, code: string, manifest?: Record<string, unknown>): Promise<VersionEntry>;
  /** The file that holds a published bundle, from its dist entry. */
  blobFile(entry: VersionEntry): string;
  /** Stops the server; the data directory stays. */
  close(): Promise<void>;
  /** Stops the server if running and removes the data directory. */
  remove(): Promise<void>;
}

/** Starts a registry on 127.0.0.1 with an empty data directory; it signs its metadata with `options.signing`. */
export async function startRegistry(options: { signing?: SigningOptions } = {}): Promise<TestRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'plughub-chromium-registry-'));
  const tokens = createMemoryTokenStore();
  const { token } = await tokens.create({ admin: true, publish: [] });
  // Blobs are cached in memory once read; keep none so that a tampered file is served as it is on disk.
  const storage = createFsStorage(dataDir, { blobCacheBytes: 1 });
  const server = await serveNode(createRegistry({ storage, tokens, uploads: { perToken: 64 }, ...(options.signing ? { signing: options.signing } : {}) }), {
    port: 0,
    host: '127.0.0.1',
    closeGraceMs: 500,
  });
  const client = createRegistryClient({ url: server.url, token, retry: 0 });
  let running = true;

  async function close() {
    if (!running) return;
    running = false;
    await server.close();
    await storage.close();
  }

  return {
    url: server.url,
    dataDir,
    storage,
    async publish(name, version, code, manifest = {}) {
      const pluginJson = { name, version, source: { mode: 'esm', path: 'index.js' }, ...manifest };
      const plg = await collectBytes(
        packPlg([
          { path: 'plugin.json', content: JSON.stringify(pluginJson) },
          { path: 'index.js', content: code },
        ]),
      );
      const entry = await client.publish(name, version, plg);
      // Its files in place (right after the answer; the list waits for them), for the tests that alter them.
      await storage.listPlugins();
      return entry;
    },
    blobFile(entry) {
      const hex = entry.dist.url.split('/').pop()!;
      return join(dataDir, 'blobs', 'sha256', hex);
    },
    close,
    async remove() {
      await close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
