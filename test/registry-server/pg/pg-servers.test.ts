/**
 * Two PostgreSQL stores on one database, as two servers: migrations run once
 * however many start at once, concurrent changes of one plugin lose no
 * version, the database refuses a version twice (409 through the registry),
 * a change on one store drops the other's cached copy by NOTIFY, download
 * counts add up, and damaged rows fail as the filesystem driver fails.
 */
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { parsePluginDocument } from '../../../src/core/registry/document.js';
import { addVersion, collectGarbage, createRegistry, HttpError, MIGRATIONS, type RegistryStorage } from '../../../registry-server/index.js';
import { isStoredDocumentError } from '../../../registry-server/storage/errors.js';
import { postgresMissing } from '../../support/postgres.js';
import { documentOf, get, onCleanup, pluginPackage, pluginPath, publishRequest, sha256Hex } from '../helpers.js';
import { openStore, usePostgres } from './pg-support.js';

function entryOf(name: string, version: string) {
  const hex = sha256Hex(new TextEncoder().encode(`${name}@${version}`));
  return {
    manifest: { name, version, source: { mode: 'esm' as const, path: 'index.js' } },
    dist: { integrity: `sha256-${Buffer.from(hex, 'hex').toString('base64')}`, size: 1, url: `/v1/blobs/sha256/${hex}` },
    publishedAt: new Date(0).toISOString(),
    yanked: false,
  };
}

function addTo(storage: RegistryStorage, name: string, version: string) {
  return storage.updateDocument(name, (current) => addVersion(current, name, version, entryOf(name, version), Date.now()));
}

async function versionsOf(storage: RegistryStorage, name: string): Promise<string[]> {
  const snapshot = await storage.getDocument(name, { fresh: true });
  return Object.keys(JSON.parse(new TextDecoder().decode(snapshot?.bytes)).versions).sort();
}

/** A direct connection to the test database, closed after the test. */
function admin(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  onCleanup(() => sql.end());
  return sql;
}

describe.skipIf(postgresMissing)('PostgreSQL stores shared by several servers', () => {
  const cluster = usePostgres();

  it('run the migrations once when several start on one empty database at once, and again is harmless', async () => {
    const url = await cluster.cluster().createDatabase();
    const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
    const sql = admin(url);
    const rows = await sql`SELECT version FROM schema_migrations ORDER BY version`;
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((step) => step.version));
    await stores[0]!.close();
    const again = await openStore(url);
    await addTo(again.storage, 'hello', '1.0.0');
    expect(await versionsOf(stores[1]!.storage, 'hello')).toEqual(['1.0.0']);
    expect((await sql`SELECT count(*)::int AS count FROM schema_migrations`)[0]!.count).toBe(MIGRATIONS.length);
  });

  it('refuses a database whose schema is newer than the code', async () => {
    const url = await cluster.cluster().createDatabase();
    await openStore(url);
    await admin(url)`INSERT INTO schema_migrations (version, description) VALUES (999, 'from the future')`;
    await expect(openStore(url)).rejects.toThrow(/version 999, newer than this plughub knows/);
  });

  it('serialize concurrent changes of one plugin from two stores, losing no version', async () => {
    const url = await cluster.cluster().createDatabase();
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    const versions = Array.from({ length: 30 }, (_, i) => `1.${i}.0`);
    await Promise.all(versions.map((version, i) => addTo((i % 2 === 0 ? a : b).storage, 'hello', version)));
    expect(await versionsOf(a.storage, 'hello')).toEqual([...versions].sort());
    const rows = await admin(url)`SELECT version FROM versions WHERE name = 'hello'`;
    expect(rows.map((row) => row.version).sort()).toEqual([...versions].sort());
  });

  it('refuse a version the versions table already holds, as a 409 conflict, leaving the document as it was', async () => {
    const url = await cluster.cluster().createDatabase();
    const store = await openStore(url);
    await addTo(store.storage, 'hello', '1.0.0');
    // A row no document shows (as a publish that wrote it without the lock would have): the database still refuses the version.
    await admin(url)`INSERT INTO versions (name, version) VALUES ('hello', '2.0.0')`;
    const refused = addTo(store.storage, 'hello', '2.0.0');
    await expect(refused).rejects.toBeInstanceOf(HttpError);
    await expect(refused).rejects.toMatchObject({ status: 409, code: 'E_VERSION_EXISTS', message: expect.stringContaining('hello@2.0.0') });
    expect(await versionsOf(store.storage, 'hello')).toEqual(['1.0.0']);
  });

  it('give one 201 and 409s when registries on two stores publish the same version at once', async () => {
    const url = await cluster.cluster().createDatabase();
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    const { token } = await a.tokens.create({ admin: true, publish: [] });
    const registries = [a, b].map((store) => createRegistry({ storage: store.storage, tokens: store.tokens, uploads: { perToken: 16 } }));
    for (const registry of registries) onCleanup(() => registry.close());
    const attempts = await Promise.all(Array.from({ length: 6 }, (_, i) => pluginPackage('hello', '1.0.0', { salt: `attempt ${i}` })));
    const statuses = await Promise.all(
      attempts.map(({ bytes }, i) => registries[i % 2]!.fetch(publishRequest('hello', '1.0.0', bytes, { token })).then((response) => response.status)),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(5);
    const winner = attempts[statuses.indexOf(201)]!;
    for (const registry of registries) {
      const document = parsePluginDocument(await (await get(registry, pluginPath('hello'))).json(), 'hello');
      const blob = await get(registry, document.versions['1.0.0']!.dist.url);
      expect(new Uint8Array(await blob.arrayBuffer())).toEqual(winner.bundle);
    }
  });

  it('drop the cached document on the other store by NOTIFY within a second', async () => {
    const url = await cluster.cluster().createDatabase();
    const a = await openStore(url);
    const notified: Array<(name: string) => void> = [];
    // A cache that would otherwise be served for a minute: only the notification can make b see the change.
    const b = await openStore(url, { cacheMaxAgeMs: 60_000, onNotification: (name) => notified.shift()?.(name) });
    const first = new Promise<string>((resolve) => notified.push(resolve));
    await addTo(a.storage, 'hello', '1.0.0');
    await first;
    const before = await b.storage.getDocument('hello');
    expect(await b.storage.listPlugins()).toHaveLength(1);
    expect(await b.storage.getDocument('hello')).toBe(before);

    const next = new Promise<string>((resolve) => notified.push(resolve));
    const started = performance.now();
    const changed = await addTo(a.storage, 'hello', '1.1.0');
    expect(await next).toBe('hello');
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await b.storage.getDocument('hello'))?.etag).toBe(changed?.etag);
    expect((await b.storage.listPlugins())[0]?.latest).toBe('1.1.0');
  });

  it('commit a blob stored by a change with its document, or not at all', async () => {
    const store = await openStore(await cluster.cluster().createDatabase());
    const bytes = new TextEncoder().encode('bundle');
    const hex = sha256Hex(bytes);
    await expect(
      store.storage.updateDocument('hello', async () => {
        await store.storage.putBlob('sha256', hex, bytes);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await store.storage.getBlob('sha256', hex)).toBeUndefined();
    await store.storage.updateDocument('hello', async (current) => {
      await store.storage.putBlob('sha256', hex, bytes);
      return addVersion(current, 'hello', '1.0.0', entryOf('hello', '1.0.0'), Date.now());
    });
    expect(await store.storage.getBlob('sha256', hex)).toEqual(bytes);
  });

  it('add up download counts from two stores', async () => {
    const url = await cluster.cluster().createDatabase();
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    const at = Date.parse('2026-03-01T12:00:00Z');
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).storage.addDownloads(
          [
            { name: 'hello', version: '1.0.0', count: 1 },
            { name: 'hello', version: i % 4 < 2 ? '1.0.0' : '2.0.0', count: 2 },
          ],
          at,
        ),
      ),
    );
    await Promise.all([a.storage.flushDownloads(), b.storage.flushDownloads()]);
    for (const store of [a, b]) {
      expect(await store.storage.getDownloads('hello')).toEqual({ versions: { '1.0.0': 80, '2.0.0': 40 }, days: { '2026-03-01': 120 } });
    }
  });

  it('fail a damaged document with StoredDocumentError naming the plugin, while the other plugins are served', async () => {
    const url = await cluster.cluster().createDatabase();
    const store = await openStore(url);
    await store.storage.updateDocument('hello', () => documentOf('hello'));
    await store.storage.updateDocument('other', () => documentOf('other'));
    await admin(url)`UPDATE documents SET bytes = ${Buffer.from('{not json')} WHERE name = 'hello'`;
    const change = store.storage.updateDocument('hello', (current) => current);
    await expect(change).rejects.toSatisfy(isStoredDocumentError);
    await expect(change).rejects.toThrow(/stored document of hello .*not JSON/);
    expect((await store.storage.getDocument('other', { fresh: true }))?.bytes).toBeDefined();
  });

  it('fail a document larger than it reads with StoredDocumentError, reading none of it', async () => {
    const url = await cluster.cluster().createDatabase();
    const store = await openStore(url, { maxDocumentBytes: 4096 });
    await store.storage.updateDocument('hello', () => documentOf('hello'));
    await admin(url)`UPDATE documents SET bytes = ${Buffer.alloc(100_000, 32)} WHERE name = 'hello'`;
    await expect(store.storage.getDocument('hello', { fresh: true })).rejects.toThrow(/stored document of hello .*100000 bytes, more than the 4096/);
    await expect(store.storage.updateDocument('hello', (current) => current)).rejects.toSatisfy(isStoredDocumentError);
    const registry = createRegistry({ storage: store.storage, tokens: store.tokens });
    onCleanup(() => registry.close());
    expect((await get(registry, pluginPath('hello'))).status).toBe(503);
  });

  it('collect garbage from another store: blobs no document refers to go, referenced and recent ones stay', async () => {
    const url = await cluster.cluster().createDatabase();
    const [server, collector] = await Promise.all([openStore(url), openStore(url)]);
    const kept = new TextEncoder().encode('kept');
    const orphan = new TextEncoder().encode('orphan');
    await server.storage.updateDocument('hello', async (current) => {
      await server.storage.putBlob('sha256', sha256Hex(kept), kept);
      const document = addVersion(current, 'hello', '1.0.0', entryOf('hello', '1.0.0'), Date.now());
      document.versions['1.0.0']!.dist.url = `/v1/blobs/sha256/${sha256Hex(kept)}`;
      return document;
    });
    await server.storage.putBlob('sha256', sha256Hex(orphan), orphan);
    expect((await collectGarbage(collector.storage, { graceMs: 60_000 })).deleted).toEqual([]);
    const result = await collectGarbage(collector.storage, { graceMs: 0, now: () => Date.now() + 1000 });
    expect(result.deleted).toEqual([sha256Hex(orphan)]);
    expect(await server.storage.getBlob('sha256', sha256Hex(orphan))).toBeUndefined();
    expect(await server.storage.getBlob('sha256', sha256Hex(kept))).toEqual(kept);
  });
});
