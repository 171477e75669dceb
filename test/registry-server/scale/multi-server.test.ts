/**
 * Three `plughub serve --storage postgres://…` processes on one database
 * behind nginx: concurrent publishes of one version give exactly one 201,
 * concurrent publishes of many versions are seen by every server, a server
 * killed while publishing leaves no partial version, a host loading through
 * nginx while versions are published always finds the blob of the document
 * it got, and signed documents' versions never go backwards or fork.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPluginHost } from '../../../src/node/index.js';
import { onCleanup, sha256Hex } from '../helpers.js';
import { nginxMissing } from '../../support/nginx.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../../support/postgres.js';
import { getJson, kill, publishTo, startCluster, startStorageServer, type Cluster } from './cluster.js';

const missing = postgresMissing ?? nginxMissing;
if (missing !== undefined) process.stderr.write(`multi-server tests skipped: ${missing}\n`);

const ENVELOPE = { accept: 'application/vnd.plughub.envelope+json' };
const range = (count: number) => Array.from({ length: count }, (_, index) => index);

describe.skipIf(missing !== undefined)('three servers on one PostgreSQL database behind nginx', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  async function servers(options: { nginx?: boolean } = {}): Promise<{ url: string } & Cluster> {
    const url = await cluster.createDatabase();
    return { url, ...(await startCluster(url, options)) };
  }

  /** The versions of `name`'s document as `base` serves it (no cache). */
  async function versionsAt(base: string, name: string): Promise<string[]> {
    const { status, body } = await getJson(base, `/v1/plugins/${name}`);
    return status === 200 ? Object.keys(body.versions).sort() : [];
  }

  it('10 concurrent publishes of one version over three servers: exactly one 201, the others 409', { timeout: 60_000 }, async () => {
    const { servers: all, token } = await servers();
    const statuses = await Promise.all(range(10).map((index) => publishTo(all[index % 3]!.url, token, 'same', '1.0.0', `-${index}`)));
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(9);
    for (const server of all) expect(await versionsAt(server.url, 'same')).toEqual(['1.0.0']);
  });

  it('60 concurrent publishes of different versions: all visible on every server and through nginx', { timeout: 90_000 }, async () => {
    const { servers: all, token, nginx } = await servers({ nginx: true });
    const versions = range(60).map((index) => `1.0.${index}`);
    // Every server has the document in memory before: what they serve after must come from other servers' notifications.
    expect(await publishTo(all[0]!.url, token, 'many', '0.0.1')).toBe(201);
    for (const server of all) expect((await fetch(`${server.url}/v1/plugins/many`)).status).toBe(200);
    const statuses = await Promise.all(versions.map((version, index) => publishTo(all[index % 3]!.url, token, 'many', version)));
    expect(statuses).toEqual(versions.map(() => 201));
    const expected = ['0.0.1', ...versions].sort();
    for (const server of all) {
      // Without Cache-Control: no-cache, as a client asks: within a second every server serves the new document.
      const started = Date.now();
      let seen: string[] = [];
      while (Date.now() - started < 3000) {
        const response = await fetch(`${server.url}/v1/plugins/many`);
        seen = Object.keys(((await response.json()) as { versions: Record<string, unknown> }).versions).sort();
        if (seen.length === expected.length) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen).toEqual(expected);
      expect(await versionsAt(server.url, 'many')).toEqual(expected);
    }
    expect(await versionsAt(nginx!.url, 'many')).toEqual(expected);
  });

  it('a server killed while publishing leaves no partial version, and the others keep serving', { timeout: 90_000 }, async () => {
    const { url, servers: all, token } = await servers();
    const victim = all[2]!;
    const versions = range(30).map((index) => `2.0.${index}`);
    let killed: Promise<void> | undefined;
    const statuses = await Promise.all(
      versions.map(async (version, index) => {
        const server = all[index % 3]!;
        const status = await publishTo(server.url, token, 'crash', version).catch(() => 0);
        // The first answer from the victim kills it while its other publishes are in flight.
        if (server === victim && killed === undefined) killed = kill(victim);
        return status;
      }),
    );
    await killed;
    expect(victim.process.signalCode).toBe('SIGKILL');
    const published = versions.filter((_, index) => statuses[index] === 201);
    const survivors = all.slice(0, 2);
    const document = (await getJson(survivors[0]!.url, '/v1/plugins/crash')).body as { versions: Record<string, { dist: { url: string; integrity: string } }> };
    for (const version of published) expect(document.versions).toHaveProperty([version]);
    // Every version in the document has its blob, with the bytes its integrity names.
    for (const [version, entry] of Object.entries(document.versions)) {
      const response = await fetch(`${survivors[1]!.url}${entry.dist.url}`);
      expect(response.status, version).toBe(200);
      const hex = sha256Hex(new Uint8Array(await response.arrayBuffer()));
      expect(entry.dist.url).toContain(hex);
    }
    // The database's versions table and the document agree.
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    onCleanup(() => sql.end({ timeout: 5 }));
    const rows = await sql<{ version: string }[]>`SELECT version FROM versions WHERE name = 'crash' ORDER BY version`;
    expect(rows.map((row) => row.version).sort()).toEqual(Object.keys(document.versions).sort());
    // The others keep serving, and take new publishes.
    expect(await publishTo(survivors[0]!.url, token, 'crash', '3.0.0')).toBe(201);
    for (const server of survivors) expect(await versionsAt(server.url, 'crash')).toContain('3.0.0');
  });

  it('a host loading through nginx while versions are published always finds the blob', { timeout: 90_000 }, async () => {
    const { servers: all, token, nginx } = await servers({ nginx: true });
    expect(await publishTo(all[0]!.url, token, 'live', '1.0.0')).toBe(201);
    const cacheRoot = await mkdtemp(join(tmpdir(), 'plughub-scale-host-'));
    onCleanup(() => rm(cacheRoot, { recursive: true, force: true }));
    let publishing = true;
    const publishes = (async () => {
      for (const index of range(20)) expect(await publishTo(all[index % 3]!.url, token, 'live', `1.1.${index}`)).toBe(201);
      publishing = false;
    })();
    let loads = 0;
    const loaded = new Set<string>();
    while (publishing || loads < 5) {
      // A new host with an empty cache each time (a cached document is used without asking while it is fresh):
      // the document from nginx (cached up to its max-age) and the bundle it names from nginx; and one on a server
      // directly, whose document is at most a second old.
      for (const registry of [nginx!.url, all[loads % 3]!.url]) {
        const cacheDir = join(cacheRoot, `${loads}-${registry === nginx!.url ? 'nginx' : 'direct'}`);
        const host = createPluginHost({ registry, cacheDir, env: {} });
        const result = String(await (await host.load('live')).execute());
        expect(result).toMatch(/^live@1\.\d+\.\d+$/);
        loaded.add(result);
        await host.close();
      }
      loads += 1;
    }
    await publishes;
    expect(loads).toBeGreaterThanOrEqual(5);
    // The direct loads followed the publishes: versions other than the first were loaded.
    expect(loaded.size).toBeGreaterThan(1);
  });

  it('signed documents keep monotonic versions across servers and restarts', { timeout: 120_000 }, async () => {
    const { url, servers: all, token } = await servers();
    expect(await publishTo(all[0]!.url, token, 'signed', '1.0.0')).toBe(201);
    const seen = new Map<number, string>();
    const last = new Map<string, number>();
    const observe = async (base: string, key: string) => {
      const response = await fetch(`${base}/v1/plugins/signed`, { headers: ENVELOPE });
      expect(response.status).toBe(200);
      const text = await response.text();
      const payload = JSON.parse(JSON.parse(text).payload) as { version: number };
      // One server's answers never go back; one version number is one payload on every server (no fork).
      expect(payload.version).toBeGreaterThanOrEqual(last.get(key) ?? 0);
      last.set(key, payload.version);
      const before = seen.get(payload.version);
      if (before !== undefined) expect(JSON.parse(text).payload).toBe(before);
      seen.set(payload.version, JSON.parse(text).payload);
      return payload.version;
    };
    let publishing = true;
    const publishes = (async () => {
      for (const index of range(12)) expect(await publishTo(all[index % 3]!.url, token, 'signed', `1.2.${index}`)).toBe(201);
      publishing = false;
    })();
    while (publishing) await Promise.all(all.map((server, index) => observe(server.url, `server ${index}`)));
    await publishes;
    const highest = Math.max(...seen.keys());
    // Restart one server (SIGTERM, a new process on the same database): its answers start at least where they were.
    all[1]!.process.kill('SIGTERM');
    await all[1]!.exited;
    const restarted = await startStorageServer(url);
    const after = await observe(restarted.url, 'restarted');
    expect(after).toBeGreaterThanOrEqual(highest);
    for (const [index, server] of [all[0]!, all[2]!].entries()) expect(await observe(server.url, `after ${index}`)).toBeGreaterThanOrEqual(highest);
  });
});
