/**
 * Ed25519 verification with its fallback (src/core/trust/ed25519.ts): the
 * same signatures verify identically through crypto.subtle and through
 * @noble/ed25519 (forced by a SubtleCrypto whose importKey throws
 * NotSupportedError), including RFC 8032 test vector 1; support is probed
 * once per SubtleCrypto; and envelope verification (verify.ts) takes the
 * fallback when the realm's crypto.subtle lacks Ed25519.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyEd25519 } from '../../../src/core/trust/ed25519.js';
import { LIST_PAYLOAD_TYPE, base64ToBytes, generateSigningKey, importSigningKey, signBytes, signEnvelope } from '../../../src/core/trust/envelope.js';
import { checkSignatures, normalizeKeys } from '../../../src/core/trust/verify.js';

const realCrypto = globalThis.crypto;
const realSubtle = realCrypto.subtle;

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
}

/** A SubtleCrypto without Ed25519: importKey throws as `error` says; digest works (noble hashes with it). */
function subtleWithout(error: () => unknown = () => new DOMException('Unrecognized algorithm name', 'NotSupportedError')) {
  const importKey = vi.fn(async () => {
    throw error();
  });
  const verify = vi.fn(async () => {
    throw new Error('verify must not be called without Ed25519');
  });
  const digest = (algorithm: AlgorithmIdentifier, data: BufferSource) => realSubtle.digest(algorithm, data);
  return { subtle: { importKey, verify, digest } as unknown as SubtleCrypto, importKey, verify };
}

/** The real SubtleCrypto behind spies, so a test can see that it was used. */
function spyingSubtle() {
  const importKey = vi.fn((...args: Parameters<SubtleCrypto['importKey']>) => realSubtle.importKey(...args));
  const verify = vi.fn((...args: Parameters<SubtleCrypto['verify']>) => realSubtle.verify(...args));
  return { subtle: { importKey, verify } as unknown as SubtleCrypto, importKey, verify };
}

/** A message signed by a key from generateSigningKey, plus a tampered message and a wrong key. */
async function vectors() {
  const key = await generateSigningKey();
  const other = await generateSigningKey();
  const message = new TextEncoder().encode('plughub-sig-v1\napplication/vnd.plughub.document+json\n{"a":1}');
  const signature = base64ToBytes(await signBytes(await importSigningKey(key.privateKeyPkcs8), message));
  const tampered = message.slice();
  tampered[tampered.length - 2]! ^= 1;
  return { publicKey: base64ToBytes(key.publicKey), wrongKey: base64ToBytes(other.publicKey), message, tampered, signature };
}

/** RFC 8032, section 7.1, TEST 1 (empty message). */
const RFC8032_TEST1 = {
  publicKey: hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'),
  message: new Uint8Array(0),
  signature: hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'),
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe.each([
  ['crypto.subtle', () => ({ subtle: realSubtle })],
  ['the @noble/ed25519 fallback', () => ({ subtle: subtleWithout().subtle })],
])('verifyEd25519 through %s', (_path, options) => {
  it('accepts a signature from signBytes, and refuses a tampered message and a wrong key', async () => {
    const v = await vectors();
    expect(await verifyEd25519(v.publicKey, v.signature, v.message, options())).toBe(true);
    expect(await verifyEd25519(v.publicKey, v.signature, v.tampered, options())).toBe(false);
    expect(await verifyEd25519(v.wrongKey, v.signature, v.message, options())).toBe(false);
  });

  it('accepts RFC 8032 test vector 1, and refuses it with one bit of the signature flipped', async () => {
    const { publicKey, message, signature } = RFC8032_TEST1;
    expect(await verifyEd25519(publicKey, signature, message, options())).toBe(true);
    const flipped = signature.slice();
    flipped[0]! ^= 1;
    expect(await verifyEd25519(publicKey, flipped, message, options())).toBe(false);
    expect(await verifyEd25519(publicKey, signature, new Uint8Array([0]), options())).toBe(false);
  });

  it('treats a signature or key of the wrong length as invalid, not as an error', async () => {
    const { publicKey, message, signature } = RFC8032_TEST1;
    expect(await verifyEd25519(publicKey, signature.subarray(0, 63), message, options())).toBe(false);
    expect(await verifyEd25519(publicKey.subarray(0, 31), signature, message, options())).toBe(false);
  });
});

describe('verifyEd25519 support detection', () => {
  it('uses crypto.subtle when it imports Ed25519 keys', async () => {
    const spy = spyingSubtle();
    const { publicKey, message, signature } = RFC8032_TEST1;
    expect(await verifyEd25519(publicKey, signature, message, { subtle: spy.subtle })).toBe(true);
    expect(spy.verify).toHaveBeenCalledTimes(1);
  });

  it('probes a SubtleCrypto once and then goes straight to the fallback', async () => {
    const without = subtleWithout();
    const v = await vectors();
    for (let i = 0; i < 3; i++) expect(await verifyEd25519(v.publicKey, v.signature, v.message, { subtle: without.subtle })).toBe(true);
    expect(without.importKey).toHaveBeenCalledTimes(1);
    expect(without.verify).not.toHaveBeenCalled();
  });

  it('also falls back when the error only says the algorithm is unrecognised', async () => {
    const without = subtleWithout(() => new Error('Unrecognized algorithm name'));
    const { publicKey, message, signature } = RFC8032_TEST1;
    expect(await verifyEd25519(publicKey, signature, message, { subtle: without.subtle })).toBe(true);
  });

  it('does not take an unexpected failure of the probe for missing support, and probes again next time', async () => {
    const failing = subtleWithout(() => new DOMException('busy', 'OperationError'));
    const { publicKey, message, signature } = RFC8032_TEST1;
    await expect(verifyEd25519(publicKey, signature, message, { subtle: failing.subtle })).rejects.toThrow('busy');
    await expect(verifyEd25519(publicKey, signature, message, { subtle: failing.subtle })).rejects.toThrow('busy');
    expect(failing.importKey).toHaveBeenCalledTimes(2);
  });
});

describe('envelope verification in a realm without crypto.subtle Ed25519', () => {
  it('verifies a signed envelope with the fallback, and refuses a tampered one', async () => {
    const key = await generateSigningKey();
    const signing = { keyid: key.keyid, privateKey: await importSigningKey(key.privateKeyPkcs8) };
    const envelope = await signEnvelope(LIST_PAYLOAD_TYPE, { type: 'list', plugins: [] }, [signing]);
    const without = subtleWithout();
    vi.stubGlobal('crypto', { subtle: without.subtle, getRandomValues: realCrypto.getRandomValues.bind(realCrypto) });
    expect(globalThis.crypto.subtle).toBe(without.subtle);
    const keys = await normalizeKeys([key.publicKey]);
    const expectation = { payloadType: LIST_PAYLOAD_TYPE, keys, threshold: 1, details: { url: 'https://registry.example/v1/plugins' } };
    await expect(checkSignatures(envelope, expectation)).resolves.toBe(envelope);
    const tampered = { ...envelope, payload: envelope.payload.replace('[]', '[{}]') };
    await expect(checkSignatures(tampered, expectation)).rejects.toMatchObject({ code: 'E_SIGNATURE' });
    expect(without.importKey).toHaveBeenCalledTimes(1);
    expect(without.verify).not.toHaveBeenCalled();
  });
});
