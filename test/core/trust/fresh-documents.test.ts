/**
 * A host with trustedKeys and a cached envelope still fresh by its
 * Cache-Control: the envelope is verified again before it is used (as a
 * revalidated or offline one is), and one that no longer verifies (here,
 * expired) is not used: the registry is asked for the document afresh,
 * without If-None-Match, so it cannot answer with the refused copy.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryTrustStore } from '../../../src/core/trust/memory-trust-store.js';
import { loadCached, publish } from '../host/fixture.js';
import { signedSetup } from './fixture.js';

const DAY = 24 * 60 * 60 * 1000;

async function world() {
  const t = await signedSetup();
  await publish(t.registry, 'hello', '1.0.0', 'export default { execute: () => "hello" };');
  const trustStore = createMemoryTrustStore();
  const host = () => t.host({ trustedKeys: [t.key.publicKey], trustStore, now: () => t.state.now });
  const documentRequests = () => t.registry.requests.filter((r) => new URL(r.url).pathname === '/v1/plugins/hello');
  /** Marks the cached envelope fresh for another 30 s, as a registry's max-age=30 would. */
  async function makeFresh() {
    const entry = (await t.documents.get(t.client.url, 'hello'))!;
    await t.documents.put({ ...entry, fetchedAt: Date.now(), freshUntil: Date.now() + 30_000 });
  }
  return { ...t, host, documentRequests, makeFresh };
}

describe('fresh signed documents', () => {
  it('loads from a fresh cached envelope that verifies, without asking the registry', async () => {
    const t = await world();
    await loadCached(t.host(), 'hello@^1');
    await t.makeFresh();
    const before = t.documentRequests().length;
    const host = t.host();
    await host.load('hello@^1');
    expect(await host.execute('hello')).toBe('hello');
    expect(t.documentRequests()).toHaveLength(before);
  });

  it('asks the registry afresh when the fresh cached envelope has expired since', async () => {
    const t = await world();
    await loadCached(t.host(), 'hello@^1');
    await t.makeFresh();
    const before = t.documentRequests().length;
    t.state.now += 8 * DAY; // past the envelope's 7-day lifetime
    const host = t.host();
    await loadCached(host, 'hello@^1');
    expect(await host.execute('hello')).toBe('hello');
    const asked = t.documentRequests().slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((request) => request.headers.get('if-none-match') === null)).toBe(true);
    const cached = await t.documents.get(t.client.url, 'hello');
    expect(new Date(JSON.parse(cached!.envelope!.payload).expires).getTime()).toBeGreaterThan(t.state.now);
  });
});
