/**
 * Helpers for the registry server tests: temp directories removed after each
 * test, `.plg` packages built in memory (well-formed ones through packPlg,
 * crafted ones through the raw tar writer), a registry over the filesystem
 * or memory driver with tokens, publish requests, and a fingerprint of a data
 * directory to prove that a refused request changed nothing.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach } from 'vitest';
import { collectBytes, gzip, packPlg, writeTar, type PlgFile, type TarWriteEntry } from '../../src/core/plg/index.js';
import type { PluginDocument } from '../../src/core/registry/document.js';
import {
  addVersion,
  createFileTokenStore,
  createFsStorage,
  createMemoryStorage,
  createMemoryTokenStore,
  createRegistry,
  type Registry,
  type RegistryLimits,
  type RegistryOptions,
  type RegistryStorage,
  type TokenStore,
} from '../../registry-server/index.js';

/** The registry's origin in handler tests (any origin works: the handler only reads the path). */
export const ORIGIN = 'http://registry.test';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test (in reverse order of registration). */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(async () => cleanup());
}

/** A new temp directory under the OS temp dir, removed after the test. */
export async function tempDir(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'plughub-server-test-'));
  onCleanup(() => rm(path, { recursive: true, force: true }));
  return path;
}

/** A minimal valid plugin.json. */
export function manifest(name: string, version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, version, description: `The ${name} plugin`, source: { mode: 'esm', path: 'dist/index.js' }, ...extra };
}

/** The bundle text a test plugin carries (distinct per name and version unless `salt` says otherwise). */
export function bundleText(name: string, version: string, salt = ''): string {
  return `export function execute() { return ${JSON.stringify(`${name}@${version}${salt}`)}; }\n`;
}

/** A well-formed .plg of `name@version`, with its bundle bytes. */
export async function pluginPackage(
  name: string,
  version: string,
  options: { salt?: string; bundleBytes?: number; manifestExtra?: Record<string, unknown> } = {},
): Promise<{ bytes: Uint8Array; bundle: Uint8Array }> {
  let text = bundleText(name, version, options.salt);
  if (options.bundleBytes !== undefined) text += `// ${'x'.repeat(Math.max(0, options.bundleBytes - text.length - 4))}\n`;
  const bundle = new TextEncoder().encode(text);
  const bytes = await plg([
    { path: 'plugin.json', content: JSON.stringify(manifest(name, version, options.manifestExtra)) },
    { path: 'dist/index.js', content: bundle },
  ]);
  return { bytes, bundle };
}

/** A .plg from files, through packPlg. */
export function plg(files: PlgFile[]): Promise<Uint8Array> {
  return collectBytes(packPlg(files));
}

/** A gzip-compressed tar written entry by entry as given (for archives the registry must refuse). */
export function craftedPlg(entries: TarWriteEntry[]): Promise<Uint8Array> {
  return collectBytes(gzip(writeTar(entries)));
}

/** Entries of a valid package for `name@version`, to add bad entries to. */
export function validEntries(name: string, version: string): TarWriteEntry[] {
  const encoder = new TextEncoder();
  return [
    { path: 'plugin.json', content: encoder.encode(JSON.stringify(manifest(name, version))) },
    { path: 'dist/index.js', content: encoder.encode(bundleText(name, version)) },
  ];
}

/** The SHA-256 of bytes, hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every file under `directory` (relative path → SHA-256 of its content), sorted. */
export async function fingerprint(directory: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(directory, path)] = sha256Hex(await readFile(path));
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Every file of a test registry's data directory, once the changes it
 * acknowledged are in place (their files are written right after the
 * answer; the list waits for them).
 */
export async function storedFingerprint(registry: Pick<TestRegistry, 'storage' | 'directory'>): Promise<Record<string, string>> {
  await registry.storage.listPlugins();
  return fingerprint(registry.directory!);
}

/** A registry for one test, with an admin token. */
export interface TestRegistry {
  fetch(request: Request): Promise<Response>;
  storage: RegistryStorage;
  tokens: TokenStore;
  adminToken: string;
  /** The registry itself (metrics, routes, close); closed after the test. */
  registry: Registry;
  /** The data directory (filesystem driver only). */
  directory?: string;
}

/** Registry options a test may set besides storage, tokens and limits (upload limits, a log, …). */
export type ExtraRegistryOptions = Omit<Partial<RegistryOptions>, 'storage' | 'tokens' | 'limits'>;

/** Uploads one token may have in flight in a test registry unless `extra.uploads` says otherwise: room for tests that publish many versions at once. */
const TEST_UPLOADS_PER_TOKEN = 64;

/** Creates a registry over a temp data directory (`fs`, the default) or memory. */
export async function testRegistry(
  options: { driver?: 'fs' | 'memory'; limits?: Partial<RegistryLimits>; extra?: ExtraRegistryOptions } = {},
): Promise<TestRegistry> {
  const uploads = { perToken: TEST_UPLOADS_PER_TOKEN, ...options.extra?.uploads };
  const settings = { ...options.extra, uploads, ...(options.limits ? { limits: options.limits } : {}) };
  if (options.driver === 'memory') {
    const storage = createMemoryStorage();
    const tokens = createMemoryTokenStore();
    const { token } = await tokens.create({ admin: true, publish: [] });
    const registry = createRegistry({ storage, tokens, ...settings });
    onCleanup(() => registry.close());
    return { fetch: registry.fetch, storage, tokens, adminToken: token, registry };
  }
  const directory = await tempDir();
  const storage = createFsStorage(directory);
  onCleanup(() => storage.close());
  const tokens = createFileTokenStore(directory);
  const { token } = await tokens.create({ admin: true, publish: [] });
  const registry = createRegistry({ storage, tokens, ...settings });
  onCleanup(() => registry.close());
  await storage.listPlugins();
  return { fetch: registry.fetch, storage, tokens, adminToken: token, registry, directory };
}

/** The path of a plugin's document or version (`@acme/hello` → `@acme%2Fhello`). */
export function pluginPath(name: string, version?: string): string {
  return `/v1/plugins/${encodeURIComponent(name)}${version === undefined ? '' : `/${version}`}`;
}

/** A PUT of a .plg, with a token and `application/gzip` unless told otherwise. */
export function publishRequest(
  name: string,
  version: string,
  body: BodyInit | Uint8Array | null,
  options: { token?: string; contentType?: string | null; headers?: Record<string, string>; origin?: string } = {},
): Request {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/gzip';
  const init: RequestInit & { duplex?: 'half' } = { method: 'PUT', headers, body: body as BodyInit | null };
  if (body instanceof ReadableStream) init.duplex = 'half';
  return new Request(`${options.origin ?? ORIGIN}${pluginPath(name, version)}`, init);
}

/** Publishes `name@version` and expects a 201; resolves to the version entry and bundle. */
export async function publish(
  registry: Pick<TestRegistry, 'fetch' | 'adminToken'>,
  name: string,
  version: string,
  options: { salt?: string } = {},
): Promise<{ entry: Record<string, any>; bundle: Uint8Array }> {
  const { bytes, bundle } = await pluginPackage(name, version, options);
  const response = await registry.fetch(publishRequest(name, version, bytes, { token: registry.adminToken }));
  if (response.status !== 201) throw new Error(`publish ${name}@${version}: ${response.status} ${await response.text()}`);
  return { entry: (await response.json()) as Record<string, any>, bundle };
}

/** A GET through the handler. */
export function get(registry: Pick<TestRegistry, 'fetch'>, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return registry.fetch(new Request(`${ORIGIN}${path}`, { headers }));
}

/** The JSON error body of a response, checked to have the registry's error shape. */
export async function errorOf(response: Response): Promise<{ code: string; message: string; [key: string]: unknown }> {
  const body = (await response.json()) as { error?: { code: string; message: string } };
  if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  return body.error;
}

/** A document of `name` with one version, 1.0.0, as storage holds it (its blob need not exist). */
export function documentOf(name: string, description = `The ${name} plugin`): PluginDocument {
  const hex = sha256Hex(new TextEncoder().encode(name));
  const entry = {
    manifest: { name, version: '1.0.0', description, source: { mode: 'esm', path: 'index.js' } },
    dist: { integrity: `sha256-${Buffer.from(hex, 'hex').toString('base64')}`, size: 1, url: `/v1/blobs/sha256/${hex}` },
    publishedAt: new Date(0).toISOString(),
    yanked: false,
  };
  return addVersion(undefined, name, '1.0.0', entry, Date.parse('2024-01-01T00:00:00Z'));
}

/** A temp data directory with the `locks/` and `tmp/` folders the file locks use. */
export async function lockDirectories(): Promise<{ root: string; locks: string; temp: string }> {
  const root = await tempDir();
  const locks = join(root, 'locks');
  const temp = join(root, 'tmp');
  await mkdir(locks);
  await mkdir(temp);
  return { root, locks, temp };
}
