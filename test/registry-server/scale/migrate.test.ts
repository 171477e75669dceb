/**
 * `plughub migrate` between a data directory and PostgreSQL: a round trip
 * fs → pg → fs keeps every document, blob, token record, signing state and
 * download count; the tokens keep working and a host that trusts the
 * registry's key still verifies what the round-tripped registry serves; a
 * target that holds plugins is refused unless --force; a password in the URL
 * is never printed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/node/cli/main.js';
import { openRegistryStore, type OpenedRegistryStore } from '../../../src/node/cli/registry-store.js';
import { createPluginHost } from '../../../src/node/index.js';
import { onCleanup, tempDir } from '../helpers.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../../support/postgres.js';
import { publishTo, startStorageServer } from './cluster.js';

if (postgresMissing !== undefined) process.stderr.write(`migrate tests skipped: ${postgresMissing}\n`);

const ENVELOPE = { accept: 'application/vnd.plughub.envelope+json' };

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: (chunk: string) => (stderr += chunk) }, env: {}, cwd: process.cwd() };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** A password in the URL (the test cluster trusts local connections, so any password works): it must never be printed. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = 'sekr1t-pw';
  return parsed.href;
}

/** Everything a registry holds, read through its stores: what a round trip must keep. */
async function contents(store: OpenedRegistryStore, tokensFile?: string) {
  const documents: Record<string, string> = {};
  const records: Record<string, unknown> = {};
  const downloads: Record<string, unknown> = {};
  for await (const { name, bytes } of store.storage.eachDocument()) {
    documents[name] = new TextDecoder().decode(bytes);
    records[name] = await store.signing.readRecord(`plugin:${name}`);
    downloads[name] = await store.storage.getDownloads(name);
  }
  const blobs: Record<string, string> = {};
  for (const blob of await store.storage.listBlobs())
    blobs[blob.hex] = Buffer.from((await store.storage.getBlob(blob.algorithm, blob.hex))!).toString('base64');
  const keyring = JSON.parse((await store.signing.readKeyring()) ?? 'null') as { keysVersion: number } | null;
  const envelopes: string[] = [];
  for (let version = 1; version <= (keyring?.keysVersion ?? 0); version += 1) envelopes.push((await store.signing.readKeysEnvelope(version)) ?? '');
  const tokens = tokensFile === undefined ? undefined : (JSON.parse(await readFile(tokensFile, 'utf8')) as { tokens: unknown[] }).tokens;
  return { documents, blobs, keyring, envelopes, records, list: await store.signing.readRecord('list'), downloads, tokens };
}

describe.skipIf(postgresMissing !== undefined)('plughub migrate', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a round trip fs → PostgreSQL → fs keeps everything, and hosts still verify it', { timeout: 120_000 }, async () => {
    const source = await tempDir();
    const server = await startStorageServer(source, ['--metrics', 'off']);
    const admin = /shown only this once\):\n(\S+)\n/.exec(server.output())![1]!;
    for (const [name, versions] of [
      ['hello', ['1.0.0', '1.1.0']],
      ['@acme/tools', ['0.1.0']],
    ] as const) {
      for (const version of versions) expect(await publishTo(server.url, admin, name, version)).toBe(201);
    }
    // Signed records (a version counter each), and download counts.
    for (const path of ['/v1/plugins/hello', '/v1/plugins/%40acme%2Ftools', '/v1/plugins'])
      expect((await fetch(`${server.url}${path}`, { headers: ENVELOPE })).status).toBe(200);
    const document = (await (await fetch(`${server.url}/v1/plugins/hello`)).json()) as { versions: Record<string, { dist: { url: string } }> };
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${server.url}${document.versions['1.1.0']!.dist.url}`)).status).toBe(200);
    server.process.kill('SIGTERM');
    await server.exited;
    const scoped = await cli('token', 'create', '--publish', 'hello', '--data', source);
    expect(scoped.code).toBe(0);
    const publisher = scoped.stdout.trim();

    const database = withPassword(await cluster.createDatabase());
    const there = await cli('migrate', '--from', source, '--to', database);
    expect(there.stderr).toBe(there.stderr.replaceAll('sekr1t-pw', ''));
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toMatch(/2 documents, 3 blobs .* 2 tokens, 1 keys envelopes, 3 signed records, download counts of 1 plugins; verified/);
    expect(`${there.stdout}${there.stderr}`).not.toContain('sekr1t-pw');

    // A second migration into the same database is refused; --force copies anyway.
    const again = await cli('migrate', '--from', source, '--to', database);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds 2 plugins/);
    expect(again.stderr).not.toContain('sekr1t-pw');
    const forced = await cli('migrate', '--from', source, '--to', database, '--force');
    expect(forced.code, forced.stderr).toBe(0);

    // The PostgreSQL registry takes the old tokens and serves what a trusting host verifies.
    const keyring = JSON.parse(await readFile(join(source, 'keys', 'keyring.json'), 'utf8')) as {
      active: string[];
      keys: { keyid: string; publicKey: string }[];
    };
    const trustedKeys = keyring.keys.filter((key) => keyring.active.includes(key.keyid)).map((key) => key.publicKey);
    const onPg = await startStorageServer(database, ['--metrics', 'off']);
    expect(onPg.output()).not.toContain('created admin token');
    expect(onPg.output()).not.toContain('sekr1t-pw');
    expect(await publishTo(onPg.url, publisher, 'hello', '1.2.0')).toBe(201);
    expect(await publishTo(onPg.url, publisher, '@acme/tools', '0.2.0')).toBe(403);
    const stats = (await (await fetch(`${onPg.url}/v1/plugins/hello/stats`)).json()) as { downloads: { versions: Record<string, number> } };
    expect(stats.downloads.versions['1.1.0']).toBe(3);
    onPg.process.kill('SIGTERM');
    await onPg.exited;

    const back = await tempDir();
    const home = await cli('migrate', '--from', database, '--to', back);
    expect(home.code, home.stderr).toBe(0);
    expect(`${home.stdout}${home.stderr}`).not.toContain('sekr1t-pw');

    // Compare the round trip with the source, minus what was published on PostgreSQL meanwhile.
    const original = await openRegistryStore('test', source);
    onCleanup(() => original.close());
    const returned = await openRegistryStore('test', back);
    onCleanup(() => returned.close());
    const before = await contents(original, join(source, 'tokens.json'));
    const after = await contents(returned, join(back, 'tokens.json'));
    expect(after.tokens).toEqual(before.tokens);
    expect(after.keyring).toEqual(before.keyring);
    expect(after.envelopes).toEqual(before.envelopes);
    expect(after.list).toEqual(before.list);
    expect(after.documents['@acme/tools']).toBe(before.documents['@acme/tools']);
    expect(after.records['@acme/tools']).toEqual(before.records['@acme/tools']);
    expect(Object.keys(after.blobs)).toEqual(expect.arrayContaining(Object.keys(before.blobs)));
    for (const [hex, bytes] of Object.entries(before.blobs)) expect(after.blobs[hex]).toBe(bytes);
    expect(after.downloads.hello).toEqual(before.downloads.hello);
    expect(Object.keys(JSON.parse(after.documents.hello!).versions)).toEqual(['1.0.0', '1.1.0', '1.2.0']);

    // A host that trusts the registry's key verifies the round-tripped registry's signed documents (served once this process let go of the directory).
    await returned.close();
    const served = await startStorageServer(back, ['--metrics', 'off']);
    const cacheDir = await tempDir();
    const host = createPluginHost({ registry: served.url, cacheDir, env: {}, trustedKeys });
    onCleanup(() => host.close());
    expect(await (await host.load('hello@1.2.0')).execute()).toBe('hello@1.2.0');
    expect(await (await host.load('@acme/tools')).execute()).toBe('@acme/tools@0.1.0');
    const stranger = createPluginHost({ registry: served.url, cacheDir: await tempDir(), env: {}, trustedKeys: [Buffer.alloc(32, 7).toString('base64')] });
    onCleanup(() => stranger.close());
    await expect(stranger.load('hello')).rejects.toThrow();
  });

  it('refuses a missing source directory and a --storage that is not a database URL, and names an unreachable database without its password', async () => {
    const missing = join(await tempDir(), 'nothing-here');
    const result = await cli('migrate', '--from', missing, '--to', await cluster.createDatabase());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/nothing-here/);
    // A database that cannot be reached: the error names it, without its password.
    const unreachable = await cli('token', 'list', '--storage', 'postgres://someone:topsecret@127.0.0.1:1/registry');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('postgres://someone:***@127.0.0.1:1/registry');
    expect(unreachable.stderr).not.toContain('topsecret');
    const wrong = await cli('token', 'list', '--storage', './some-dir');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/--storage must be a postgres:\/\/ URL/);
  });
});
