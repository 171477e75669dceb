/**
 * The token store and the signing store on PostgreSQL, each used from two
 * store objects on one database as two servers would: tokens created or
 * revoked by one are seen by the other; signing locks are held by one
 * signer at a time across stores, a signer that fails leaves nothing, and
 * version counters never go backwards.
 */
import { describe, expect, it } from 'vitest';
import { createRegistry, ensureKeyring, type SignedRecord } from '../../../registry-server/index.js';
import { postgresMissing } from '../../support/postgres.js';
import { onCleanup, pluginPath, publish } from '../helpers.js';
import { getEnvelope } from '../trust-helpers.js';
import { openStore, usePostgres } from './pg-support.js';

function record(version: number): SignedRecord {
  return { version, source: `"etag-${version}"`, expires: new Date(0).toISOString(), keyids: ['k'], envelope: `{"v":${version}}` };
}

describe.skipIf(postgresMissing)('PostgreSQL token and signing stores', () => {
  const cluster = usePostgres();

  it('verify the tokens they created, and nothing else', async () => {
    const { tokens } = await openStore(await cluster.cluster().createDatabase());
    const { token, info } = await tokens.create({ admin: false, publish: ['hello', '@acme/*'] });
    expect(token).toMatch(/^plh_[A-Za-z0-9_-]{43}$/);
    expect(await tokens.verify(token)).toEqual(info);
    for (const wrong of [`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, token.slice(4), '', `${token} `, 'plh_short', 'x'.repeat(10_000)]) {
      expect(await tokens.verify(wrong), wrong.slice(0, 60)).toBeUndefined();
    }
    const second = await tokens.create({ admin: true, publish: [] });
    expect(await tokens.list()).toEqual([info, second.info]);
    expect(JSON.stringify(await tokens.list())).not.toContain(token);
    expect(await tokens.revoke(info.id)).toBe(true);
    expect(await tokens.verify(token)).toBeUndefined();
    expect(await tokens.revoke(info.id)).toBe(false);
  });

  it('see tokens another store created or revoked, and create the first token once when two race', async () => {
    const url = await cluster.cluster().createDatabase();
    const [server, cli] = await Promise.all([openStore(url), openStore(url)]);
    const first = await Promise.all([server.tokens.createFirst({ admin: true, publish: [] }), cli.tokens.createFirst({ admin: true, publish: [] })]);
    expect(first.filter((created) => created !== undefined)).toHaveLength(1);
    const { token, info } = await cli.tokens.create({ admin: false, publish: ['hello'] });
    expect((await server.tokens.verify(token))?.id).toBe(info.id);
    await cli.tokens.revoke(info.id);
    expect(await server.tokens.verify(token)).toBeUndefined();
    expect(await server.tokens.list()).toHaveLength(1);
  });

  it('hold a signing lock for one signer at a time across stores, losing no increment', async () => {
    const url = await cluster.cluster().createDatabase();
    const stores = await Promise.all([openStore(url), openStore(url)]);
    const bump = (index: number) =>
      stores[index % 2]!.signing.withLock('plugin:hello', async () => {
        const current = await stores[index % 2]!.signing.readRecord('plugin:hello');
        await stores[index % 2]!.signing.writeRecord('plugin:hello', record((current?.version ?? 0) + 1));
      });
    await Promise.all(Array.from({ length: 24 }, (_, i) => bump(i)));
    expect((await stores[1]!.signing.readRecord('plugin:hello'))?.version).toBe(24);
  });

  it('undo what a signer wrote under its lock when it fails, and never lower a version', async () => {
    const { signing } = await openStore(await cluster.cluster().createDatabase());
    await signing.writeRecord('list', record(5));
    await expect(
      signing.withLock('list', async () => {
        await signing.writeRecord('list', record(6));
        throw new Error('signing failed');
      }),
    ).rejects.toThrow('signing failed');
    expect(await signing.readRecord('list')).toEqual(record(5));
    await expect(signing.writeRecord('list', record(4))).rejects.toThrow(/never goes backwards/);
    expect((await signing.readRecord('list'))?.version).toBe(5);
    await signing.writeKeysEnvelope(1, '{"keys":1}');
    expect(await signing.readKeysEnvelope(1)).toBe('{"keys":1}');
    expect(await signing.readKeysEnvelope(2)).toBeUndefined();
  });

  it('create one keyring when two servers start signing at once', async () => {
    const url = await cluster.cluster().createDatabase();
    const stores = await Promise.all([openStore(url), openStore(url)]);
    const now = Date.now();
    const loaded = await Promise.all(stores.map((store) => ensureKeyring(store.signing, { ttlMs: 86_400_000, now })));
    expect(loaded[0]!.keyring).toEqual(loaded[1]!.keyring);
    expect(loaded[0]!.keyring.keys).toHaveLength(1);
    expect(await stores[0]!.signing.readKeysEnvelope(loaded[0]!.keyring.keysVersion)).toBeDefined();
  });

  it('sign versions of a document that increase across two registries on one database', async () => {
    const url = await cluster.cluster().createDatabase();
    const waiting: Array<Array<() => void>> = [[], []];
    const notified = (index: number) => new Promise<void>((resolve) => waiting[index]!.push(resolve));
    const stores = await Promise.all([0, 1].map((index) => openStore(url, { cacheMaxAgeMs: 60_000, onNotification: () => waiting[index]!.shift()?.() })));
    const { token } = await stores[0]!.tokens.create({ admin: true, publish: [] });
    const registries = stores.map((store) => createRegistry({ storage: store.storage, tokens: store.tokens, signing: { store: store.signing } }));
    for (const registry of registries) onCleanup(() => registry.close());
    const versionOn = async (index: number) => {
      const response = await getEnvelope(registries[index]!, pluginPath('hello'));
      expect(response.status).toBe(200);
      return JSON.parse(((await response.json()) as { payload: string }).payload).version as number;
    };
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const other = notified((i + 1) % 2);
      await publish({ fetch: registries[i % 2]!.fetch, adminToken: token }, 'hello', `1.${i}.0`);
      await other;
      const versions = await Promise.all([versionOn(0), versionOn(1)]);
      expect(versions[0]).toBe(versions[1]);
      seen.push(versions[0]!);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});
