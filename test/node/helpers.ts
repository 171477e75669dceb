/**
 * Helpers for the Node adapter tests: temporary directories removed after
 * each test, plugin sources and folders, and blobs with their integrity.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { computeIntegrity } from '../../src/core/integrity.js';
import { createFileLoader } from '../../src/node/loader/file-loader.js';
import { createPluginHost, type NodeHostOptions, type NodePluginHost } from '../../src/node/host.js';

const created: string[] = [];

/** A fresh directory under os.tmpdir(), removed in afterEach. */
export async function tempDir(prefix = 'plughub-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Hosts made by nodeHost, closed before their directories go (also when a test failed midway). */
const hosts: NodePluginHost[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close().catch(() => undefined)));
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const encoder = new TextEncoder();

/** Bytes and their sha256 integrity. */
export async function blob(text: string): Promise<{ bytes: Uint8Array; integrity: string }> {
  const bytes = encoder.encode(text);
  return { bytes, integrity: await computeIntegrity(bytes) };
}

/** A plugin module whose execute returns `{ plugin, value, count }` (count: calls to this module instance). */
export function pluginSource(tag: string): string {
  return [
    `let count = 0;`,
    `export default {`,
    `  async execute(ctx) { count += 1; return { tag: ${JSON.stringify(tag)}, who: ctx.get('who'), count }; },`,
    `};`,
    ``,
  ].join('\n');
}

/** A minimal manifest. */
export function manifest(name: string, version = '1.0.0', extra: Record<string, unknown> = {}) {
  return { name, version, source: { mode: 'esm', path: 'dist/index.js' }, ...extra };
}

/** Writes files (path → text) under `root`, creating folders. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/** The bytes of a .plg package holding `files` (written with core's packPlg). */
export async function plgBytes(files: Record<string, string>): Promise<Uint8Array> {
  const { packPlg, collectBytes } = await import('../../src/core/plg/index.js');
  return collectBytes(packPlg(Object.entries(files).map(([path, content]) => ({ path, content }))));
}

/**
 * A Node host on a temporary cache directory, with an empty environment and a
 * loader whose private copies go to a temporary directory of the test's own,
 * removed after the test like the others; its name is unlike that of the
 * loader's default per-process folder (`plughub-modules-…`), so the sweep of
 * those at start never concerns it.
 */
export async function nodeHost(options: NodeHostOptions = {}): Promise<NodePluginHost> {
  const host = createPluginHost({
    cacheDir: await tempDir(),
    env: {},
    loader: createFileLoader({ privateDir: await tempDir('plughub-test-modules-') }),
    ...options,
  });
  hosts.push(host);
  return host;
}
