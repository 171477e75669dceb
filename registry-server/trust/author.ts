/**
 * Author signatures on publish. `plughub publish --sign-key FILE` sends, per
 * key, `Plughub-Author-Signature: <base64 raw public key> <base64 signature>`
 * (several joined with `, `). The signature is of version 2
 * (src/core/trust/envelope.ts authorSignatureInput): it covers
 * `"plughub-author-v2\n" + name + "\n" + version + "\n" + dist.integrity +
 * "\n"` and the canonical JSON of plugin.json's `dependencies` and
 * `engines`, with the integrity the server computes and the plugin.json of
 * the upload; the server checks each one and keeps `authorSignatures: [{
 * keyid, sig }]` in the version entry. A version 1 signature (name, version
 * and integrity only, from an older CLI) is refused: hosts accept it only
 * without dependencies, and it would not say so.
 */
import { canonicalBase64ToBytes } from '../../src/core/base64.js';
import { authorSignatureInput, keyIdOf, type EnvelopeSignature } from '../../src/core/trust/index.js';
import { HttpError } from '../http/errors.js';

/** The request header carrying author signatures. */
export const AUTHOR_SIGNATURE_HEADER = 'plughub-author-signature';

/** One author signature as sent: the public key and the signature, canonical base64, and their decoded bytes. */
export interface SentAuthorSignature {
  publicKey: string;
  sig: string;
  /** The raw 32-byte Ed25519 public key. */
  publicKeyRaw: Uint8Array;
  /** The 64-byte Ed25519 signature. */
  sigRaw: Uint8Array;
}

/** Bytes of a raw Ed25519 public key and of a signature. */
const KEY_BYTES = 32;
const SIG_BYTES = 64;
/** The most author signatures one publish may send (hosts look at no more: src/core/trust/verify.ts). */
export const MAX_SENT_AUTHOR_SIGNATURES = 16;

/**
 * Parses the header (null: none sent). Each key must be canonical base64 of
 * 32 bytes and each signature canonical base64 of 64 bytes (the form
 * `plughub publish` sends); the route calls this before it receives the
 * body, so a malformed header costs no upload. Throws HttpError 400
 * `E_BAD_REQUEST` when the header is malformed or holds too many signatures.
 */
export function parseAuthorSignatures(header: string | null): SentAuthorSignature[] {
  if (header === null || header.trim() === '') return [];
  const parts = header.split(',');
  if (parts.length > MAX_SENT_AUTHOR_SIGNATURES) {
    throw new HttpError(
      400,
      'E_BAD_REQUEST',
      `${AUTHOR_SIGNATURE_HEADER} carries ${parts.length} signatures, more than the ${MAX_SENT_AUTHOR_SIGNATURES} allowed`,
    );
  }
  const expected = `expected "<public key> <signature>": canonical base64 of a raw ${KEY_BYTES}-byte Ed25519 public key and of a ${SIG_BYTES}-byte signature`;
  return parts.map((part, index) => {
    const [publicKey, sig, ...rest] = part.trim().split(/\s+/);
    if (publicKey === undefined || sig === undefined || rest.length > 0) {
      throw new HttpError(400, 'E_BAD_REQUEST', `malformed ${AUTHOR_SIGNATURE_HEADER} header (signature ${index + 1}): ${expected}`);
    }
    const publicKeyRaw = canonicalBase64ToBytes(publicKey, KEY_BYTES);
    const sigRaw = canonicalBase64ToBytes(sig, SIG_BYTES);
    if (publicKeyRaw === undefined || sigRaw === undefined) {
      const found = publicKeyRaw === undefined ? `a public key of ${publicKey.length} characters` : `a signature of ${sig.length} characters`;
      throw new HttpError(400, 'E_BAD_REQUEST', `malformed ${AUTHOR_SIGNATURE_HEADER} header (signature ${index + 1}): ${expected}, found ${found}`);
    }
    return { publicKey, sig, publicKeyRaw, sigRaw };
  });
}

/**
 * Checks every sent signature over `name@version` with `integrity` and the
 * uploaded plugin.json `manifest` (the parsed JSON object, as stored in the
 * version entry); resolves to the `{ keyid, sig }` pairs to store. Throws
 * HttpError 422 `E_BAD_SIGNATURE` for a key that is not a raw Ed25519 key or
 * a signature that does not verify.
 */
export async function verifyAuthorSignatures(
  sent: readonly SentAuthorSignature[],
  name: string,
  version: string,
  integrity: string,
  manifest: unknown,
): Promise<EnvelopeSignature[]> {
  if (sent.length === 0) return [];
  const refuse = (why: string) =>
    new HttpError(
      422,
      'E_BAD_SIGNATURE',
      `author signature of ${name}@${version} refused: ${why} (signed input: plughub-author-v2 over name, version, ${integrity} and plugin.json's dependencies and engines)`,
    );
  let input: Uint8Array<ArrayBuffer>;
  try {
    input = new Uint8Array(authorSignatureInput(name, version, integrity, manifest));
  } catch (error) {
    throw refuse((error as Error).message);
  }
  const result: EnvelopeSignature[] = [];
  for (const { publicKey, sig, publicKeyRaw, sigRaw } of sent) {
    const keyid = await keyIdOf(publicKeyRaw);
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey('raw', new Uint8Array(publicKeyRaw), { name: 'Ed25519' }, false, ['verify']);
    } catch {
      throw refuse(`the public key ${publicKey} is not a valid Ed25519 key`);
    }
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(sigRaw), input))) {
      throw refuse(`the signature by key ${keyid} does not verify`);
    }
    if (!result.some((entry) => entry.keyid === keyid)) result.push({ keyid, sig });
  }
  return result;
}
