/**
 * A hostile registry or stored key chain cannot make a host run thousands of
 * Ed25519 verifications: only the first MAX_ENVELOPE_SIGNATURES signatures
 * of an envelope are examined (a valid one after them does not count), for
 * documents and for every link of a stored key chain alike.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesToBase64 } from '../../../src/core/base64.js';
import { DOCUMENT_PAYLOAD_TYPE, KEYS_PAYLOAD_TYPE, signEnvelope, type Envelope } from '../../../src/core/trust/envelope.js';
import { replayKeyChain } from '../../../src/core/trust/key-chain.js';
import { MAX_ENVELOPE_SIGNATURES, checkSignatures, hasUnknownSigner } from '../../../src/core/trust/verify.js';
import { testKey, type TestKey } from './fixture.js';

const REGISTRY = 'plughub:test';
const BOGUS = bytesToBase64(new Uint8Array(64).fill(1));

afterEach(() => vi.restoreAllMocks());

/** `envelope` with `count` invalid signatures claimed by `key` in front of its own. */
function padded(envelope: Envelope, key: TestKey, count: number): Envelope {
  return { ...envelope, signatures: [...Array.from({ length: count }, () => ({ keyid: key.keyid, sig: BOGUS })), ...envelope.signatures] };
}

describe('signatures examined per envelope', () => {
  it(`verifies at most ${MAX_ENVELOPE_SIGNATURES} of 5,000 signatures and refuses a valid one placed after them`, async () => {
    const key = await testKey();
    const keys = [{ keyid: key.keyid, publicKey: key.publicKey }];
    const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, { type: 'document' }, [key.signing]);
    const verify = vi.spyOn(globalThis.crypto.subtle, 'verify');
    const expect_ = { payloadType: DOCUMENT_PAYLOAD_TYPE, keys, threshold: 1, details: {} };
    await expect(checkSignatures(padded(envelope, key, 5000), expect_)).rejects.toMatchObject({ name: 'SignatureError' });
    expect(verify.mock.calls.length).toBeLessThanOrEqual(MAX_ENVELOPE_SIGNATURES);
    await expect(checkSignatures(padded(envelope, key, MAX_ENVELOPE_SIGNATURES - 1), expect_)).resolves.toBeDefined();
  });

  it('counts only examined signatures as unknown signers', async () => {
    const key = await testKey();
    const stranger = await testKey();
    const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, { type: 'document' }, [stranger.signing]);
    const keys = [{ keyid: key.keyid, publicKey: key.publicKey }];
    expect(hasUnknownSigner(envelope, keys)).toBe(true);
    expect(hasUnknownSigner(padded(envelope, key, MAX_ENVELOPE_SIGNATURES), keys)).toBe(false);
  });

  it('bounds the verifications of a stored key chain by its links', async () => {
    const key = await testKey();
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const links: Envelope[] = [];
    for (let version = 1; version <= 4; version += 1) {
      const link = await signEnvelope(
        KEYS_PAYLOAD_TYPE,
        { type: 'keys', registry: REGISTRY, version, expires, keys: [{ keyid: key.keyid, publicKey: key.publicKey }], threshold: 1 },
        [key.signing],
      );
      links.push(padded(link, key, 2000));
    }
    const configured = { keys: [{ keyid: key.keyid, publicKey: key.publicKey }], threshold: 1, keysVersion: 0, anchor: `1:${key.keyid}`, chain: [] };
    const verify = vi.spyOn(globalThis.crypto.subtle, 'verify');
    await expect(replayKeyChain(configured, links, { registry: REGISTRY, minThreshold: 1 }, 'https://registry.test/v1/keys')).rejects.toMatchObject({
      name: 'SignatureError',
    });
    expect(verify.mock.calls.length).toBeLessThanOrEqual(MAX_ENVELOPE_SIGNATURES);
  });
});
