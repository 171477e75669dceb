/**
 * The documented nginx configuration (examples/nginx/plughub.conf), run in
 * front of three servers sharing a PostgreSQL database (one process writes a
 * data directory at a time, so several servers need one): requests are spread over
 * the servers, blobs are cached, documents are cached per their
 * Cache-Control and revalidated, plain and signed documents are kept apart
 * (Vary: Accept), and writes pass through uncached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxMissing } from '../../support/nginx.js';
import { postgresMissing, startPostgres, type TestPostgres } from '../../support/postgres.js';
import { getJson, publishTo, startCluster } from './cluster.js';

const missing = nginxMissing ?? postgresMissing;
if (missing !== undefined) process.stderr.write(`nginx tests skipped: ${missing}\n`);

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; cache: string | null; body: string; headers: Headers }> {
  const response = await fetch(url, { headers });
  return { status: response.status, cache: response.headers.get('x-cache-status'), body: await response.text(), headers: response.headers };
}

describe.skipIf(missing !== undefined)('nginx in front of three servers', () => {
  let database: TestPostgres;
  beforeAll(async () => {
    database = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await database?.stop();
  });
  it('caches blobs and documents, keeps signed and plain apart, and passes writes through', { timeout: 60_000 }, async () => {
    const { token, nginx } = await startCluster(await database.createDatabase(), { nginx: true });
    const front = nginx!.url;

    // A publish through nginx reaches a server, once; the same version again is refused by a server, not by a cache.
    expect(await publishTo(front, token, 'hello', '1.0.0')).toBe(201);
    expect(await publishTo(front, token, 'hello', '1.0.0')).toBe(409);

    const plain = await get(`${front}/v1/plugins/hello`);
    expect(plain.status).toBe(200);
    expect(plain.cache).toBe('MISS');
    expect((await get(`${front}/v1/plugins/hello`)).cache).toBe('HIT');

    // The signed form is another variant of the same URL.
    const accept = { accept: 'application/vnd.plughub.envelope+json' };
    const signed = await get(`${front}/v1/plugins/hello`, accept);
    expect(signed.status).toBe(200);
    expect(signed.cache).toBe('MISS');
    expect(JSON.parse(signed.body)).toHaveProperty('signatures');
    const signedAgain = await get(`${front}/v1/plugins/hello`, accept);
    expect(signedAgain.cache).toBe('HIT');
    expect(signedAgain.body).toBe(signed.body);
    const plainAgain = await get(`${front}/v1/plugins/hello`);
    expect(plainAgain.body).toBe(plain.body);
    expect(JSON.parse(plainAgain.body)).not.toHaveProperty('signatures');

    const document = JSON.parse(plain.body);
    const blobUrl = `${front}${document.versions['1.0.0'].dist.url}`;
    const blob = await get(blobUrl);
    expect(blob.status).toBe(200);
    expect(blob.headers.get('cache-control')).toContain('immutable');
    expect(blob.cache).toBe('MISS');
    expect((await get(blobUrl)).cache).toBe('HIT');

    // Writes are not cached: a yank through nginx reaches a server each time, and the servers see it.
    const yank = await fetch(`${front}/v1/plugins/hello/1.0.0/yank`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    await yank.arrayBuffer();
    expect(yank.headers.get('x-cache-status')).toBeNull();
    expect(yank.status).toBeLessThan(300);

    // Errors are not cached (no-store).
    expect((await get(`${front}/v1/plugins/missing`)).status).toBe(404);
    expect((await get(`${front}/v1/plugins/missing`)).cache).not.toBe('HIT');
  });

  it('spreads requests over the servers, which answer alike', { timeout: 60_000 }, async () => {
    const { servers, token, nginx } = await startCluster(await database.createDatabase(), { nginx: true });
    expect(await publishTo(servers[0]!.url, token, 'hello', '1.0.0')).toBe(201);
    const first = await get(`${nginx!.url}/v1/plugins/hello`);
    expect(first.cache).toBe('MISS');
    // Every server answers the same bytes: whichever nginx picks, the cache holds the one document.
    for (const server of servers) expect((await getJson(server.url, '/v1/plugins/hello')).body).toEqual(JSON.parse(first.body));
    // Answers that are not cached (/healthz is no-store) go round the servers.
    for (let i = 0; i < 6; i += 1) expect((await get(`${nginx!.url}/healthz`)).status).toBe(200);
    const upstreams = new Set([...nginx!.accessLog().matchAll(/"GET \/healthz HTTP\/1\.1" 200 .* upstream=(\S+)/g)].map((match) => match[1]));
    expect([...upstreams].sort()).toEqual(servers.map((server) => new URL(server.url).host).sort());
    expect(nginx!.errors()).not.toMatch(/\[(emerg|alert|crit)\]/);
  });
});
