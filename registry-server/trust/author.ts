/**
 * Author signatures on publish. `plughub publish --sign-key FILE` sends, per
 * key, `Plughub-Author-Signature: <base64 raw public key> <base64 signature>`
 * (several joined with `, `). The signature covers
 * `"plughub-author-v1\n" + name + "\n" + version + "\n" + dist.integrity`
 * with the integrity the server computes; the server checks each one and
 * keeps `authorSignatures: [{ keyid, sig }]` in the version entry.
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

/** Parses the header (null: none sent); throws HttpError 400 when it is malformed. */
export function parseAuthorSignatures(header: string | null): SentAuthorSignature[] {
  if (header === null || header.trim() === '') return [];
  return header.split(',').map((part) => {
    const [publicKey, sig, ...rest] = part.trim().split(/\s+/);
    if (publicKey === undefined || sig === undefined || rest.length > 0 || !BASE64.test(publicKey) || !BASE64.test(sig)) {
      throw new HttpError(400, 'E_BAD_REQUEST', `malformed ${AUTHOR_SIGNATURE_HEADER} header: expected "<base64 public key> <base64 signature>"`);
    }
    return { publicKey, sig };
  });
}

/**
 * Checks every sent signature over `name@version` with `integrity`; resolves
 * to the `{ keyid, sig }` pairs to store. Throws HttpError 422
 * `E_BAD_SIGNATURE` for a key that is not a raw Ed25519 key or a signature
 * that does not verify.
 */
export async function verifyAuthorSignatures(
  sent: readonly SentAuthorSignature[],
  name: string,
  version: string,
  integrity: string,
): Promise<EnvelopeSignature[]> {
  const input = new Uint8Array(authorSignatureInput(name, version, integrity));
  const result: EnvelopeSignature[] = [];
  for (const { publicKey, sig } of sent) {
    const raw = base64ToBytes(publicKey);
    const refuse = (why: string) =>
      new HttpError(422, 'E_BAD_SIGNATURE', `author signature of ${name}@${version} refused: ${why} (signed input: name, version and ${integrity})`);
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
