/**
 * Base64 from hostile sources never escapes as atob's DOMException: the
 * lenient decoder throws a Base64Error (a PlughubError), the canonical
 * decoder answers undefined for anything but canonical padded base64 of the
 * length asked, and the trust code that decodes keys and signatures turns
 * malformed ones into SignatureErrors or invalid signatures.
 */
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, canonicalBase64ToBytes } from '../../../src/core/base64.js';
import { isPlughubError } from '../../../src/core/errors/index.js';
import { importPublicKey, signEnvelope, DOCUMENT_PAYLOAD_TYPE } from '../../../src/core/trust/envelope.js';
import { checkSignatures, normalizeKeys } from '../../../src/core/trust/verify.js';
import { testKey } from './fixture.js';

const MALFORMED = ['A', 'AAAA=', 'AAAAA', '====', 'AA=A', '*AAA', 'AAAA===', '\u00ffAAA'];

describe('base64ToBytes', () => {
  it.each(MALFORMED)('throws a Base64Error for %j', (text) => {
    let thrown: unknown;
    try {
      base64ToBytes(text);
    } catch (error) {
      thrown = error;
    }
    expect(isPlughubError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ name: 'Base64Error', code: 'E_BASE64' });
  });

  it('still reads what atob reads', () => {
    expect([...base64ToBytes('AQI=')]).toEqual([1, 2]);
    expect([...base64ToBytes('AQI')]).toEqual([1, 2]);
  });
});

describe('canonicalBase64ToBytes', () => {
  const key = bytesToBase64(new Uint8Array(32).fill(7));

  it('decodes canonical base64 of the length asked', () => {
    expect(canonicalBase64ToBytes(key, 32)).toEqual(new Uint8Array(32).fill(7));
    expect(canonicalBase64ToBytes('AQI=')).toEqual(new Uint8Array([1, 2]));
    expect(canonicalBase64ToBytes('')).toEqual(new Uint8Array(0));
  });

  it.each([...MALFORMED, 'AQI', ' AQI=', 'AQJ='])('answers undefined for %j', (text) => {
    expect(canonicalBase64ToBytes(text)).toBeUndefined();
  });

  it('answers undefined for another length', () => {
    expect(canonicalBase64ToBytes(key, 64)).toBeUndefined();
    expect(canonicalBase64ToBytes(bytesToBase64(new Uint8Array(31)), 32)).toBeUndefined();
    expect(canonicalBase64ToBytes(bytesToBase64(new Uint8Array(33)), 32)).toBeUndefined();
  });
});

describe('trust code decoding hostile base64', () => {
  it('refuses a malformed configured or listed key with a SignatureError', async () => {
    for (const text of MALFORMED) {
      await expect(normalizeKeys([text])).rejects.toMatchObject({ name: 'SignatureError' });
      await expect(normalizeKeys([{ keyid: 'x', publicKey: text }])).rejects.toMatchObject({ name: 'SignatureError' });
    }
  });

  it('refuses a listed key that is not a string or { publicKey } with a SignatureError', async () => {
    for (const item of [null, 5, [], {}, { publicKey: 5 }]) {
      await expect(normalizeKeys([item as never])).rejects.toMatchObject({ name: 'SignatureError' });
    }
  });

  it('counts a malformed signature as invalid', async () => {
    const key = await testKey();
    const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, { type: 'document' }, [key.signing]);
    const keys = [{ keyid: key.keyid, publicKey: key.publicKey }];
    for (const sig of MALFORMED) {
      const forged = { ...envelope, signatures: [{ keyid: key.keyid, sig }] };
      await expect(checkSignatures(forged, { payloadType: DOCUMENT_PAYLOAD_TYPE, keys, threshold: 1, details: {} })).rejects.toMatchObject({
        name: 'SignatureError',
        message: expect.stringContaining('no signature verifies'),
      });
    }
  });

  it('rejects importing a malformed public key with a PlughubError', async () => {
    const error = await importPublicKey('A').catch((e: unknown) => e);
    expect(isPlughubError(error)).toBe(true);
  });
});
