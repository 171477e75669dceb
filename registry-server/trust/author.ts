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
import {
  authorSignatureInput,
  base64ToBytes,
  keyIdOf,
  type EnvelopeSignature,
} from '../../src/core/trust/envelope.js';
import { HttpError } from '../http/errors.js';

/** The request header carrying author signatures. */
export const AUTHOR_SIGNATURE_HEADER = 'plughub-author-signature';

/** One author signature as sent: the public key and the signature, base64. */
export interface SentAuthorSignature {
  publicKey: string;
  sig: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** The most author signatures one publish may send (hosts look at no more: src/core/trust/verify.ts). */
export const MAX_SENT_AUTHOR_SIGNATURES = 16;

/** Parses the header (null: none sent); throws HttpError 400 when it is malformed or holds too many signatures. */
export function parseAuthorSignatures(header: string | null): SentAuthorSignature[] {
  if (header === null || header.trim() === '') return [];
  const parts = header.split(',');
  if (parts.length > MAX_SENT_AUTHOR_SIGNATURES) {
    throw new HttpError(400, 'E_BAD_REQUEST', `${AUTHOR_SIGNATURE_HEADER} carries ${parts.length} signatures, more than the ${MAX_SENT_AUTHOR_SIGNATURES} allowed`);
  }
  return parts.map((part) => {
    const [publicKey, sig, ...rest] = part.trim().split(/\s+/);
    if (publicKey === undefined || sig === undefined || rest.length > 0 || !BASE64.test(publicKey) || !BASE64.test(sig)) {
      throw new HttpError(400, 'E_BAD_REQUEST', `malformed ${AUTHOR_SIGNATURE_HEADER} header: expected "<base64 public key> <base64 signature>"`);
    }
    return { publicKey, sig };
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
  for (const { publicKey, sig } of sent) {
    const raw = base64ToBytes(publicKey);
    if (raw.byteLength !== 32) throw refuse(`the public key has ${raw.byteLength} bytes, not 32`);
    const key = await crypto.subtle.importKey('raw', new Uint8Array(raw), { name: 'Ed25519' }, false, ['verify']);
    const keyid = await keyIdOf(raw);
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(base64ToBytes(sig)), input))) {
      throw refuse(`the signature by key ${keyid} does not verify`);
    }
    if (!result.some((entry) => entry.keyid === keyid)) result.push({ keyid, sig });
  }
  return result;
}
