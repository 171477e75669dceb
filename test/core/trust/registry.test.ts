/**
 * The registry client with signed answers: it asks for envelopes when told
 * to, recognises an envelope whatever was asked, answers its payload plus the
 * envelope, runs the caller's check before parsing, and the trust guard
 * verifies a signed plugin list (and refuses a rolled-back one), also as
 * list's verify hook, which refuses a tampered list before it is read.
 */
import { describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../../src/core/registry/client.js';
import { LIST_PAYLOAD_TYPE, signEnvelope, type Envelope } from '../../../src/core/trust/envelope.js';
import { createTrustGuard } from '../../../src/core/trust/trust-guard.js';
import { publish } from '../host/fixture.js';
import { signedSetup } from './fixture.js';

describe('registry client and signed answers', () => {
  it('recognises an envelope even when it did not ask for one, and hands it back with the document', async () => {
    const t = await signedSetup();
    await publish(t.registry, 'hello', '1.0.0', 'export default {};');
    const envelope = await t.signDocument('hello');
    t.registry.intercept((request) => (request.headers.get('accept') === 'application/json' && request.url.endsWith('/hello') ? t.json(envelope) : undefined));
    const result = await t.client.getDocument('hello');
    expect(result).toMatchObject({ status: 200, envelope, document: { name: 'hello', versions: { '1.0.0': {} } } });
  });

  it('runs the verify hook before parsing, and lets it refuse the answer', async () => {
    const t = await signedSetup();
    await publish(t.registry, 'hello', '1.0.0', 'export default {};');
    const seen: unknown[] = [];
    await t.client.getDocument('hello', { signed: true, verify: async (envelope) => void seen.push(envelope?.payloadType) });
    expect(seen).toEqual(['application/vnd.plughub.document+json']);
    await expect(t.client.getDocument('hello', { signed: true, verify: () => Promise.reject(new Error('no')) })).rejects.toThrow('no');
  });

  it('verifies a signed list, filters it like the server, and refuses an older one', async () => {
    const t = await signedSetup();
    const list = (version: number) =>
      signEnvelope(
        LIST_PAYLOAD_TYPE,
        {
          type: 'list',
          registry: t.state.registryId,
          version,
          expires: new Date(Date.now() + 60_000).toISOString(),
          plugins: [
            { name: 'alpha', modified: 'x' },
            { name: 'beta', modified: 'x', description: 'Second' },
          ],
        },
        [t.key.signing],
      );
    let served = await list(2);
    t.registry.intercept((request) => (new URL(request.url).pathname === '/v1/plugins' ? t.json(served) : undefined));
    const client = createRegistryClient({ url: t.registry.url, fetch: t.registry.fetch, retry: 0, signed: true });
    const guard = createTrustGuard(client.url, { trustedKeys: [t.key.publicKey] }, (v) => client.keys(v));
    const answer = await client.list({ q: 'second' });
    expect(answer).toMatchObject({ total: 1, plugins: [{ name: 'beta' }] });
    expect(t.registry.requests.at(-1)?.headers.get('accept')).toBe('application/vnd.plughub.envelope+json');
    expect((await guard.list(answer.envelope, client.url)).version).toBe(2);
    served = await list(1);
    await expect(guard.list((await client.list()).envelope, client.url)).rejects.toMatchObject({ code: 'E_ROLLBACK' });
    await expect(guard.list(undefined, client.url)).rejects.toMatchObject({ code: 'E_SIGNATURE' });
  });

  it("refuses a tampered signed list through list's verify hook, before it is read", async () => {
    const t = await signedSetup();
    const payload = {
      type: 'list',
      registry: t.state.registryId,
      version: 1,
      expires: new Date(Date.now() + 60_000).toISOString(),
      plugins: [{ name: 'alpha', modified: 'x', description: 'Greets' }],
    };
    const signed = await signEnvelope(LIST_PAYLOAD_TYPE, payload, [t.key.signing]);
    let served: unknown = signed;
    t.registry.intercept((request) => (new URL(request.url).pathname === '/v1/plugins' ? t.json(served) : undefined));
    const client = createRegistryClient({ url: t.registry.url, fetch: t.registry.fetch, retry: 0, signed: true });
    const guard = createTrustGuard(client.url, { trustedKeys: [t.key.publicKey] }, (v) => client.keys(v));
    const seen: string[] = [];
    const verify = async (envelope: Envelope | undefined, url: string) => {
      seen.push(url);
      return guard.list(envelope, url);
    };

    // A static mirror's list is filtered here like the server does: trimmed, case-insensitive.
    await expect(client.list({ q: 'GREETS', verify })).resolves.toMatchObject({ total: 1, plugins: [{ name: 'alpha' }] });
    await expect(client.list({ q: ' ALPHA ', verify })).resolves.toMatchObject({ total: 1, plugins: [{ name: 'alpha' }] });
    await expect(client.list({ q: 'beta', verify })).resolves.toMatchObject({ total: 0, plugins: [] });
    expect(seen.map((url) => new URL(url).searchParams.get('q'))).toEqual(['GREETS', ' ALPHA ', 'beta']);

    served = { ...signed, payload: signed.payload.replace('"alpha"', '"evil"') };
    await expect(client.list({ verify })).rejects.toMatchObject({ code: 'E_SIGNATURE' });
    // The hook runs before the payload is parsed: a payload broken into non-JSON is a signature failure.
    served = { ...signed, payload: `${signed.payload}}` };
    await expect(client.list({ verify })).rejects.toMatchObject({ code: 'E_SIGNATURE' });
    served = JSON.parse(signed.payload) as unknown; // the plain list, unsigned
    await expect(client.list({ verify })).rejects.toMatchObject({ code: 'E_SIGNATURE', message: expect.stringContaining('unsigned') });
    served = signed;
    await expect(client.list({ verify })).resolves.toMatchObject({ total: 1, envelope: signed });
  });
});
