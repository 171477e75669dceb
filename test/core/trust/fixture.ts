/**
 * A signing registry for trust tests, at the fetch level: the registry double
 * with an interceptor that answers `Accept: application/vnd.plughub.envelope+json`
 * requests for documents with envelopes signed by `envelope.ts`'s
 * signEnvelope (a version counter per document, bumped when it changes; an
 * ETag per version), and serves `/v1/keys` and `/v1/keys/:n`. Tests swap the
 * signing keys, rotate, move the clock, or serve a chosen answer in place of
 * a document to stage attacks.
 */
import {
  DOCUMENT_PAYLOAD_TYPE,
  ENVELOPE_MEDIA_TYPE,
  KEYS_PAYLOAD_TYPE,
  generateSigningKey,
  importSigningKey,
  signEnvelope,
  type Envelope,
  type GeneratedSigningKey,
  type SigningKey,
} from '../../../src/core/trust/envelope.js';
import { computeIntegrity } from '../../../src/core/integrity.js';
import type { TrustStore } from '../../../src/core/ports.js';
import { setup } from '../host/fixture.js';

/** A generated key with its importable private half. */
export interface TestKey extends GeneratedSigningKey {
  signing: SigningKey;
}

/** Generates an Ed25519 key for tests. */
export async function testKey(): Promise<TestKey> {
  const key = await generateSigningKey();
  return { ...key, signing: { keyid: key.keyid, privateKey: await importSigningKey(key.privateKeyPkcs8) } };
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * What `store` holds for `registryUrl`, read from the stored key chain as is
 * (the last keys envelope's version and keys, the pinned identity and the
 * number of links); undefined when nothing is stored. Hosts verify the chain
 * again on every read; this only shows what was written.
 */
export async function storedKeys(store: TrustStore, registryUrl: string) {
  const chain = await store.getKeyChain(registryUrl);
  if (!chain) return undefined;
  const last = chain.envelopes.at(-1);
  const payload = last ? (JSON.parse(last.payload) as { version: number; keys: { keyid: string; publicKey: string }[] }) : undefined;
  return { keysVersion: payload?.version ?? 0, keys: payload?.keys ?? [], registry: chain.registry, links: chain.envelopes.length };
}

/** The host-fixture set-up plus a signing front for its registry double. */
export async function signedSetup() {
  const base = setup();
  const key = await testKey();
  const state = {
    registryId: `plughub:${key.keyid}`,
    signers: [key.signing] as SigningKey[],
    /** Lifetime of signed documents from `now()`. */
    lifetimeMs: 7 * DAY,
    now: Date.now(),
  };
  const versions = new Map<string, { text: string; version: number }>();
  const keysEnvelopes: Envelope[] = [];
  const overrides = new Map<string, () => Response | Promise<Response>>();

  /** Fetches the double's plain document of `name` (bypassing the signing front). */
  async function plainDocument(name: string): Promise<unknown> {
    const response = await base.registry.fetch(`${base.registry.url}/v1/plugins/${encodeURIComponent(name)}`, { headers: { accept: 'application/json' } });
    return response.ok ? response.json() : undefined;
  }

  /** Signs the current document of `name` as the registry would serve it now. */
  async function signDocument(name: string, extra: Record<string, unknown> = {}, signers = state.signers): Promise<Envelope> {
    const document = await plainDocument(name);
    const text = JSON.stringify(document);
    const seen = versions.get(name);
    const version = seen?.text === text ? seen.version : (seen?.version ?? 0) + 1;
    versions.set(name, { text, version });
    const payload = {
      type: 'document',
      registry: state.registryId,
      version,
      expires: new Date(state.now + state.lifetimeMs).toISOString(),
      name,
      document,
      ...extra,
    };
    return signEnvelope(DOCUMENT_PAYLOAD_TYPE, payload, signers);
  }

  /** Publishes keys version n+1 listing `keys`, signed by `signedBy`. */
  async function publishKeys(keys: TestKey[], signedBy: SigningKey[], threshold = 1): Promise<Envelope> {
    const payload = {
      type: 'keys',
      registry: state.registryId,
      version: keysEnvelopes.length + 1,
      expires: new Date(state.now + 365 * DAY).toISOString(),
      keys: keys.map((k) => ({ keyid: k.keyid, publicKey: k.publicKey })),
      threshold,
    };
    const envelope = await signEnvelope(KEYS_PAYLOAD_TYPE, payload, signedBy);
    keysEnvelopes.push(envelope);
    return envelope;
  }
  await publishKeys([key], [key.signing]);

  const json = (body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { headers: { 'content-type': ENVELOPE_MEDIA_TYPE, ...headers } });

  base.registry.intercept(async (request) => {
    const path = new URL(request.url).pathname;
    const keys = /^\/v1\/keys(?:\/(\d+))?$/.exec(path);
    if (keys) {
      const envelope = keys[1] === undefined ? keysEnvelopes.at(-1) : keysEnvelopes[Number(keys[1]) - 1];
      return envelope ? json(envelope) : new Response('{"error":{"code":"not_found","message":"no such keys version"}}', { status: 404 });
    }
    const match = /^\/v1\/plugins\/([^/]+)$/.exec(path);
    if (!match || request.method !== 'GET' || request.headers.get('accept') !== ENVELOPE_MEDIA_TYPE) return undefined;
    const name = decodeURIComponent(match[1]!);
    const override = overrides.get(name);
    if (override) return override();
    if ((await plainDocument(name)) === undefined) return undefined;
    const envelope = await signDocument(name);
    const etag = `"v${versions.get(name)!.version}"`;
    if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers: { etag } });
    return json(envelope, { etag });
  });

  return {
    ...base,
    key,
    state,
    keysEnvelopes,
    signDocument,
    publishKeys,
    /** Serves `answer()` at the signed document route of `name` until `restore()`. */
    serve(name: string, answer: () => Response | Promise<Response>) {
      overrides.set(name, answer);
      return () => void overrides.delete(name);
    },
    json,
    /** Requests for blobs so far (to show nothing was downloaded). */
    blobRequests: () => base.registry.requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/blobs/')),
  };
}

/**
 * What an attacker plants for `hello@6.6.6`: a bundle that pushes 'imported'
 * and 'activated' to `globalThis[marker]` when it runs, its integrity, and a
 * document naming it (the caller signs and caches it as its attack needs).
 */
export async function plantedVersion(marker: string) {
  const bytes = new TextEncoder().encode(`globalThis.${marker}.push('imported');
    export default { activate() { globalThis.${marker}.push('activated'); }, execute: () => 'planted' };`);
  const integrity = await computeIntegrity(bytes);
  const manifest = { name: 'hello', version: '6.6.6', source: { mode: 'esm', path: 'index.js' } };
  const document = {
    name: 'hello',
    distTags: { latest: '6.6.6' },
    modified: new Date().toISOString(),
    versions: {
      '6.6.6': {
        manifest,
        dist: { integrity, size: bytes.byteLength, url: `/v1/blobs/sha256/${integrity}` },
        publishedAt: new Date().toISOString(),
        yanked: false,
      },
    },
  };
  return { bytes, integrity, document };
}
