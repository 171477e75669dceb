/**
 * The signed plugin list stays readable by hosts however many plugins a
 * registry holds: one token with a scope pattern could publish thousands of
 * tiny packages (214-character names, 300-character descriptions of control
 * characters that JSON escapes six-fold), and a list signed as one envelope
 * then passed the 8 MiB a host reads, so every host with trustedKeys failed
 * list(). Signed rows carry a short description, and the list is signed in
 * pages of bounded size (the first one at /v1/plugins, the others at
 * /v1/list/<n>), which the client follows, verifies one by one and joins;
 * an export writes the same pages as files.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Signer, exportRegistry, type RegistryStorage } from '../../registry-server/index.js';
import { MAX_SIGNED_LIST_PAGE_BYTES, signedDescription, signedRow } from '../../registry-server/trust/list-pages.js';
import { createRegistryClient, type RegistryClient } from '../../src/core/registry/client.js';
import { createTrustGuard } from '../../src/core/trust/trust-guard.js';
import { documentOf, ORIGIN, publish, tempDir } from './helpers.js';
import { currentKeys, getEnvelope, staticServer, trustRegistry, type TrustRegistry } from './trust-helpers.js';

const PLUGINS = 4000;
const HOSTILE_DESCRIPTION = '\u0001\u001b'.repeat(150);
const MiB = 1024 * 1024;

/** A name of 214 characters, the longest allowed, distinct per `index`. */
function longName(index: number): string {
  return `${'n'.repeat(208)}-${String(index).padStart(5, '0')}`;
}

/** Stores `count` hostile plugins straight into the storage, as that many publishes would. */
async function fill(storage: RegistryStorage, count: number, from = 0): Promise<void> {
  for (let index = from; index < from + count; index++) {
    const name = longName(index);
    await storage.updateDocument(name, () => documentOf(name, HOSTILE_DESCRIPTION));
  }
}

/** A host's client of `url` (signed, as with trustedKeys) whose fetch records the size of every answer. */
function hostClient(url: string, fetcher: (request: Request) => Promise<Response>) {
  const answers: Array<{ url: string; bytes: number }> = [];
  const client = createRegistryClient({
    url,
    signed: true,
    retry: 0,
    fetch: async (input, init) => {
      const response = await fetcher(new Request(input, init));
      const bytes = (await response.clone().arrayBuffer()).byteLength;
      answers.push({ url: response.url || new Request(input, init).url, bytes });
      return response;
    },
  });
  return { client, answers };
}

async function guardOf(registry: Pick<TrustRegistry, 'fetch'>, client: RegistryClient) {
  const { keys } = await currentKeys(registry);
  return createTrustGuard(client.url, { trustedKeys: keys.map((key) => key.publicKey) }, (version) => client.keys(version));
}

describe('the signed plugin list of a registry of 4,000 hostile plugins', () => {
  it('is listed by a host with trustedKeys, page by page, each page verified and under the page bound', { timeout: 120_000 }, async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    await fill(registry.storage, PLUGINS);
    const { client, answers } = hostClient(ORIGIN, (request) => registry.fetch(request));
    const guard = await guardOf(registry, client);
    const verified: number[] = [];
    const verify = async (envelope: Parameters<typeof guard.list>[0], url: string) => verified.push((await guard.list(envelope, url)).plugins.length);

    const result = await client.list({ verify });
    expect(result.total).toBe(PLUGINS);
    expect(result.plugins).toHaveLength(PLUGINS);
    expect(result.plugins[0]!.name).toBe(longName(0));
    expect(result.plugins.at(-1)!.name).toBe(longName(PLUGINS - 1));
    for (const row of result.plugins) expect(row.description!.length).toBeLessThanOrEqual(120);
    expect(verified.length).toBeGreaterThan(1);
    expect(verified.reduce((sum, rows) => sum + rows, 0)).toBe(PLUGINS);
    const lists = answers.filter((answer) => !answer.url.includes('/v1/keys'));
    expect(lists).toHaveLength(verified.length);
    for (const answer of lists) expect(answer.bytes, answer.url).toBeLessThan(MAX_SIGNED_LIST_PAGE_BYTES * 1.5);
    expect(MAX_SIGNED_LIST_PAGE_BYTES * 1.5).toBeLessThan(8 * MiB);

    const found = await client.list({ q: longName(PLUGINS - 2).slice(-5), verify });
    expect([found.total, found.plugins.map((row) => row.name)]).toEqual([1, [longName(PLUGINS - 2)]]);
    expect((await client.list({ offset: PLUGINS - 1, limit: 5 })).plugins.map((row) => row.name)).toEqual([longName(PLUGINS - 1)]);
  });

  it('is read again from its first page when it changes between pages, so no page of another version is joined', { timeout: 120_000 }, async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    await fill(registry.storage, PLUGINS);
    let changed = false;
    const { client, answers } = hostClient(ORIGIN, async (request) => {
      const response = await registry.fetch(request);
      if (!changed && new URL(request.url).pathname === '/v1/list/1') {
        changed = true;
        await fill(registry.storage, 1, PLUGINS);
      }
      return response;
    });
    const guard = await guardOf(registry, client);
    const result = await client.list({ verify: (envelope, url) => guard.list(envelope, url) });
    expect(changed).toBe(true);
    expect(result.total).toBe(PLUGINS + 1);
    expect(result.plugins.at(-1)!.name).toBe(longName(PLUGINS));
    expect(answers.filter((answer) => new URL(answer.url).pathname === '/v1/plugins')).toHaveLength(2);
  });

  it('is exported as pages of files that a host lists from a static server', { timeout: 120_000 }, async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    await fill(registry.storage, PLUGINS);
    const out = join(await tempDir(), 'site');
    const result = await exportRegistry({ storage: registry.storage, signer: new Signer({ store: registry.trust }), out, ttlMs: 30 * 86_400_000 });
    const pages = result.files.filter((file) => file.startsWith('v1/list/'));
    expect(pages.length).toBeGreaterThan(0);
    for (const file of [...pages, 'v1/index', 'v1/plugins/index.html']) {
      expect((await stat(join(out, file))).size, file).toBeLessThan(8 * MiB);
    }
    const url = await staticServer(out);
    const { client } = hostClient(url, (request) => fetch(request));
    const guard = await guardOf(registry, client);
    const listed = await client.list({ verify: (envelope, where) => guard.list(envelope, where) });
    expect(listed.total).toBe(PLUGINS);
  });
});

describe('a signed row', () => {
  it('cuts the description to 120 characters and 240 bytes of JSON, escapes counted, never inside a surrogate pair', () => {
    expect(signedDescription('a'.repeat(300))).toBe('a'.repeat(120));
    expect(signedDescription('\u0001'.repeat(300))).toBe('\u0001'.repeat(39));
    expect(JSON.stringify(signedDescription('\u0001'.repeat(300))).length).toBeLessThanOrEqual(240);
    expect(signedDescription('"'.repeat(300))).toBe('"'.repeat(119));
    const emoji = signedDescription('😀'.repeat(100));
    expect(emoji).toBe('😀'.repeat(59));
    expect(signedDescription('short')).toBe('short');
    const row = signedRow({ name: 'x', description: 'd'.repeat(300), latest: '1.0.0', modified: 'm'.repeat(10_000) });
    expect(row).toEqual({ name: 'x', description: 'd'.repeat(120), latest: '1.0.0', modified: '' });
  });

  it('keeps a list of one page as it was: no page fields, served at /v1/plugins, and /v1/list/1 is a 404', async () => {
    const registry = await trustRegistry({ driver: 'memory' });
    await publish(registry, 'hello', '1.0.0');
    const envelope = (await (await getEnvelope(registry, '/v1/plugins')).json()) as { payload: string };
    expect(Object.keys(JSON.parse(envelope.payload))).toEqual(['type', 'registry', 'version', 'expires', 'plugins']);
    expect((await getEnvelope(registry, '/v1/list/0')).status).toBe(200);
    expect((await getEnvelope(registry, '/v1/list/1')).status).toBe(404);
    expect((await getEnvelope(registry, '/v1/list/x')).status).toBe(404);
  });
});
