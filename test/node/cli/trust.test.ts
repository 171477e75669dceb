/**
 * The trust commands in process: `keys show` creates and prints the signing
 * key of a data directory, `keys rotate` publishes keys version 2 signed by
 * both keys, `keys generate` writes an author key that `publish --sign-key`
 * signs with, and `export` writes signed static files. `serve` on a data
 * directory without keys creates one at its first start (child process).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileTokenStore, createFsStorage, createRegistry } from '../../../registry-server/index.js';
import { base64ToBytes, keyIdOf, type Envelope } from '../../../src/core/trust/envelope.js';
import { cli, inProcessRegistry } from '../../e2e/cli-harness.js';
import { onCleanup, publish } from '../../registry-server/helpers.js';
import { startServer } from '../../registry-server/processes.js';
import { expectSignedBy, signatureVerifies } from '../../registry-server/trust-helpers.js';
import { tempDir, writeTree } from '../helpers.js';

interface ShownKeys {
  registry: string;
  keysVersion: number;
  threshold: number;
  keys: { keyid: string; publicKey: string }[];
}

async function show(data: string): Promise<ShownKeys> {
  const result = await cli(['keys', 'show', '--data', data, '--json'], { cwd: '/' });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ShownKeys;
}

describe('plughub keys', () => {
  it('show creates the keys once and prints the keyid and base64 public key', async () => {
    const data = join(await tempDir(), 'data');
    const printed = await cli(['keys', 'show', '--data', data], { cwd: '/' });
    expect(printed.code).toBe(0);
    const shown = await show(data);
    expect(shown.keys).toHaveLength(1);
    const [key] = shown.keys;
    expect(key!.keyid).toBe(await keyIdOf(base64ToBytes(key!.publicKey)));
    expect(base64ToBytes(key!.publicKey)).toHaveLength(32);
    expect(printed.stdout).toContain(`  keyid      ${key!.keyid}\n  publicKey  ${key!.publicKey}\n`);
    expect(printed.stdout).toContain(`  registry   plughub:${key!.keyid}\n`);
    expect((await stat(join(data, 'keys', 'keyring.json'))).mode & 0o777).toBe(0o600);
    expect(shown).toMatchObject({ keysVersion: 1, threshold: 1 });
  });

  it('rotate announces the new key in keys version 2, signed by the old and the new key', async () => {
    const data = await tempDir();
    const before = await show(data);
    const rotated = await cli(['keys', 'rotate', '--data', data, '--json'], { cwd: '/' });
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = JSON.parse(rotated.stdout) as ShownKeys;
    expect(after.keysVersion).toBe(2);
    expect(after.registry).toBe(before.registry);
    expect(after.keys[0]!.keyid).not.toBe(before.keys[0]!.keyid);
    const envelope = JSON.parse(await readFile(join(data, 'keys', 'versions', '2.json'), 'utf8')) as Envelope;
    const payload = await expectSignedBy(envelope, [...before.keys, ...after.keys]);
    expect(payload.keys).toEqual(after.keys);
  });

  it('refuses an unknown action and an author key file that exists', async () => {
    expect((await cli(['keys', 'spin'], { cwd: '/' })).stderr).toMatch(/unknown action "spin"/);
    const dir = await tempDir();
    expect((await cli(['keys', 'generate', '--out', 'author.json'], { cwd: dir })).code).toBe(0);
    const again = await cli(['keys', 'generate', '--out', 'author.json'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists/);
  });
});

describe('plughub publish --sign-key', () => {
  it('adds an author signature over name, version, integrity, dependencies and engines to the version entry', async () => {
    const registry = await inProcessRegistry();
    const dir = await tempDir();
    await writeTree(dir, {
      'plugin.json': JSON.stringify({
        name: 'hello',
        version: '1.0.0',
        source: { mode: 'esm', path: 'dist/index.js' },
        engines: { host: '>=1' },
        dependencies: { zeta: '^2', alpha: '1.x' },
      }),
      'src/index.js': 'export async function execute() { return 1; }\n',
    });
    expect((await cli(['keys', 'generate', '--out', 'author.json'], { cwd: dir })).code).toBe(0);
    const key = JSON.parse(await readFile(join(dir, 'author.json'), 'utf8')) as { keyid: string; publicKey: string; privateKey: string };
    expect((await stat(join(dir, 'author.json'))).mode & 0o777).toBe(0o600);
    const published = await cli(['publish', '--sign-key', 'author.json', '--json'], {
      cwd: dir,
      env: { PLUGHUB_REGISTRY: registry.url, PLUGHUB_TOKEN: registry.token },
    });
    expect(published.code, published.stderr).toBe(0);
    const { integrity } = JSON.parse(published.stdout) as { integrity: string };
    const document = (await (await fetch(`${registry.url}/v1/plugins/hello`)).json()) as any;
    const signatures = document.versions['1.0.0'].authorSignatures as { keyid: string; sig: string }[];
    expect(signatures.map((s) => s.keyid)).toEqual([key.keyid]);
    const publicKey = await crypto.subtle.importKey('raw', new Uint8Array(base64ToBytes(key.publicKey)), { name: 'Ed25519' }, false, ['verify']);
    const fields = '{"dependencies":{"alpha":"1.x","zeta":"^2"},"engines":{"host":">=1"}}';
    const input = new TextEncoder().encode(`plughub-author-v2\nhello\n1.0.0\n${integrity}\n${fields}`);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, new Uint8Array(base64ToBytes(signatures[0]!.sig)), input)).toBe(true);
  });
});

describe('plughub export', () => {
  it('writes signed envelopes and blobs for a static host', async () => {
    const data = await tempDir();
    const storage = createFsStorage(data);
    onCleanup(() => storage.close());
    const tokens = createFileTokenStore(data);
    const { token } = await tokens.create({ admin: true, publish: [] });
    const registry = createRegistry({ storage, tokens });
    await publish({ fetch: registry.fetch, adminToken: token }, '@acme/hello', '1.0.0');
    // The version's files are placed right after its 201; another process (the export) reads them from the directory.
    await storage.listPlugins();
    const out = join(await tempDir(), 'site');
    const exported = await cli(['export', '--data', data, '--out', out, '--expires', '10d', '--json'], { cwd: '/' });
    expect(exported.code, exported.stderr).toBe(0);
    const result = JSON.parse(exported.stdout) as { files: string[]; plugins: number; blobs: number; expires: string };
    expect(result).toMatchObject({ plugins: 1, blobs: 1 });
    expect(result.files.filter((file) => !file.startsWith('v1/blobs/'))).toEqual([
      'v1/index',
      'v1/keys/1',
      'v1/keys/2',
      'v1/keys/index.html',
      'v1/plugins/@acme%2Fhello',
      'v1/plugins/@acme/hello',
      'v1/plugins/index.html',
    ]);
    const { keys } = await show(data);
    const envelope = JSON.parse(await readFile(join(out, 'v1/plugins/@acme/hello'), 'utf8')) as Envelope;
    const payload = await expectSignedBy(envelope, keys);
    expect(Math.abs(Date.parse(payload.expires) - Date.now() - 10 * 86_400_000)).toBeLessThan(60_000);
    const tampered = { ...envelope, payload: envelope.payload.replace('@acme/hello', '@acme/other') };
    expect(await signatureVerifies(tampered, keys[0]!.publicKey, envelope.signatures[0]!.sig)).toBe(false);
    expect((await cli(['export', '--data', data, '--out', out, '--expires', 'soon'], { cwd: '/' })).stderr).toMatch(/--expires must be a duration/);
  });
});

describe('plughub serve', () => {
  it('creates a signing key on first start, prints it, and serves /v1/keys with it', { timeout: 60_000 }, async () => {
    const data = await tempDir();
    const server = await startServer(data);
    onCleanup(async () => {
      server.process.kill('SIGTERM');
      await server.exited;
    });
    const [, keyid] = await server.waitForLine(/^created signing key ([0-9a-f]{64}) for /);
    const { keys } = await show(data);
    expect(keys[0]!.keyid).toBe(keyid);
    const response = await fetch(`${server.url}/v1/keys`, { headers: { accept: 'application/vnd.plughub.envelope+json' } });
    await expectSignedBy((await response.json()) as Envelope, keys);
  });
});
