/**
 * Subresource Integrity (SRI) strings such as `sha256-<base64>`: parse them,
 * compute them with `crypto.subtle`, and verify bytes against them. Parsing is
 * strict: an unknown algorithm, malformed base64, a digest of the wrong length
 * or an empty string is an IntegrityError, never "no integrity". Verification
 * follows SRI semantics: only the strongest algorithm present counts, and the
 * bytes match when any digest of that algorithm matches. Comparisons run in
 * constant time. Hex helpers map an integrity to the content-addressed blob
 * URL `/v1/blobs/<algo>/<hex>` and back.
 */
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { bytesToHex, hexToBytes } from './hex.js';
import { IntegrityError, type ErrorDetails } from './errors/index.js';

/** The hash algorithms SRI allows, weakest first. */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** One `algorithm-digest` token of an SRI string. */
export interface IntegrityHash {
  algorithm: HashAlgorithm;
  /** Standard base64 (with padding) of the raw digest. */
  digest: string;
}

/** Bytes accepted by the functions that hash. */
export type HashInput = Uint8Array | ArrayBuffer;

const ALGORITHMS: Record<HashAlgorithm, { subtle: string; bytes: number; strength: number }> = {
  sha256: { subtle: 'SHA-256', bytes: 32, strength: 1 },
  sha384: { subtle: 'SHA-384', bytes: 48, strength: 2 },
  sha512: { subtle: 'SHA-512', bytes: 64, strength: 3 },
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const TOKEN = /^([A-Za-z0-9]+)-([^?]*)(?:\?.*)?$/;

function isHashAlgorithm(value: string): value is HashAlgorithm {
  return Object.hasOwn(ALGORITHMS, value);
}

/** `hello@1.2.0: ` (or `hello: `, or nothing) for the start of a message. */
function prefix(details: ErrorDetails): string {
  if (details.plugin === undefined) return details.version === undefined ? '' : `${details.version}: `;
  return details.version === undefined ? `${details.plugin}: ` : `${details.plugin}@${details.version}: `;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Parses an SRI string into its hashes. Tokens are separated by whitespace;
 * `?options` suffixes are ignored as the SRI spec says. Throws IntegrityError
 * for an empty string, an unknown algorithm or a malformed digest.
 *
 * @example parseIntegrity('sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=')
 */
export function parseIntegrity(integrity: string, details: ErrorDetails = {}): IntegrityHash[] {
  if (typeof integrity !== 'string') {
    throw new IntegrityError(`${prefix(details)}integrity must be a string`, details);
  }
  const tokens = integrity
    .trim()
    .split(/\s+/)
    .filter((token) => token.length > 0);
  if (tokens.length === 0) {
    throw new IntegrityError(`${prefix(details)}integrity string is empty`, details);
  }
  return tokens.map((token) => {
    const match = TOKEN.exec(token);
    if (!match) {
      throw new IntegrityError(`${prefix(details)}malformed integrity "${shorten(token)}" (expected <algorithm>-<base64>)`, details);
    }
    const algorithm = (match[1] ?? '').toLowerCase();
    const digest = match[2] ?? '';
    if (!isHashAlgorithm(algorithm)) {
      throw new IntegrityError(`${prefix(details)}unsupported integrity algorithm "${shorten(match[1] ?? '')}" (supported: sha256, sha384, sha512)`, details);
    }
    if (digest.length === 0 || !BASE64.test(digest)) {
      throw new IntegrityError(`${prefix(details)}malformed base64 digest in "${shorten(token)}"`, details);
    }
    const size = (digest.length / 4) * 3 - (digest.endsWith('==') ? 2 : digest.endsWith('=') ? 1 : 0);
    if (size !== ALGORITHMS[algorithm].bytes) {
      throw new IntegrityError(
        `${prefix(details)}${algorithm} digest in "${shorten(token)}" has ${size} bytes, expected ${ALGORITHMS[algorithm].bytes}`,
        details,
      );
    }
    return { algorithm, digest };
  });
}

/** The hashes that use the strongest algorithm present (SRI only checks those). */
export function strongestHashes(hashes: IntegrityHash[]): IntegrityHash[] {
  let best = 0;
  for (const hash of hashes) best = Math.max(best, ALGORITHMS[hash.algorithm].strength);
  return hashes.filter((hash) => ALGORITHMS[hash.algorithm].strength === best);
}

/** A BufferSource that `crypto.subtle` accepts, copying only bytes backed by a SharedArrayBuffer. */
function toBufferSource(bytes: HashInput): ArrayBuffer | Uint8Array<ArrayBuffer> {
  if (!ArrayBuffer.isView(bytes)) return bytes;
  if (typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer) {
    return new Uint8Array(bytes);
  }
  return bytes as Uint8Array<ArrayBuffer>;
}

async function digestBase64(bytes: HashInput, algorithm: HashAlgorithm): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest(ALGORITHMS[algorithm].subtle, toBufferSource(bytes));
  return bytesToBase64(new Uint8Array(digest));
}

/**
 * Hashes bytes into an SRI string.
 *
 * @example await computeIntegrity(new TextEncoder().encode('abc')) // 'sha256-ungWv48B…'
 */
export async function computeIntegrity(bytes: HashInput, algorithm: HashAlgorithm = 'sha256'): Promise<string> {
  if (!isHashAlgorithm(algorithm)) {
    throw new IntegrityError(`unsupported integrity algorithm "${String(algorithm)}"`);
  }
  return `${algorithm}-${await digestBase64(bytes, algorithm)}`;
}

interface Comparison {
  ok: boolean;
  algorithm: HashAlgorithm;
  expected: IntegrityHash[];
  actual: string;
}

async function compare(bytes: HashInput, integrity: string, details: ErrorDetails): Promise<Comparison> {
  const expected = strongestHashes(parseIntegrity(integrity, details));
  const algorithm = expected[0]!.algorithm;
  const actual = await digestBase64(bytes, algorithm);
  let ok = false;
  // Every digest is compared (no early exit), so timing does not tell which one matched.
  for (const hash of expected) ok = timingSafeEqual(hash.digest, actual) || ok;
  return { ok, algorithm, expected, actual };
}

/** True when the bytes match the integrity string (SRI semantics); throws IntegrityError if the string is unusable. */
export async function checkIntegrity(bytes: HashInput, integrity: string): Promise<boolean> {
  return (await compare(bytes, integrity, {})).ok;
}

/**
 * Throws IntegrityError unless the bytes match the integrity string. The
 * message names the plugin, version and URL from `details` when given, and the
 * error carries `expected` and `actual`.
 *
 * @example await verifyIntegrity(bytes, entry.dist.integrity, { plugin: 'hello', version: '1.2.0', url })
 */
export async function verifyIntegrity(bytes: HashInput, integrity: string, details: ErrorDetails = {}): Promise<void> {
  const result = await compare(bytes, integrity, details);
  if (result.ok) return;
  const expected = result.expected.map((hash) => `${hash.algorithm}-${hash.digest}`).join(' ');
  const actual = `${result.algorithm}-${result.actual}`;
  const subject = details.url === undefined ? result.algorithm : `${result.algorithm} of ${details.url}`;
  throw new IntegrityError(`${prefix(details)}${subject} does not match (expected ${expected}, got ${actual})`, {
    ...details,
    expected,
    actual,
  });
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

/**
 * Compares two strings or byte arrays in time that depends only on their
 * lengths, not on where they differ. Different lengths give false, still
 * after walking the longer input.
 */
export function timingSafeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const left = toBytes(a);
  const right = toBytes(b);
  const length = Math.max(left.length, right.length);
  let diff = left.length ^ right.length;
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

/**
 * The strongest hash of an integrity string in hex, as used in blob URLs
 * (`/v1/blobs/sha256/<hex>`). With several digests of that algorithm, the first.
 */
export function integrityToHex(integrity: string): { algorithm: HashAlgorithm; hex: string } {
  const hash = strongestHashes(parseIntegrity(integrity))[0]!;
  return { algorithm: hash.algorithm, hex: bytesToHex(base64ToBytes(hash.digest)) };
}

/**
 * Builds an SRI string from an algorithm and a hex digest, as found in a blob
 * URL. Throws IntegrityError for an unknown algorithm or a hex string that is
 * not a digest of that algorithm.
 */
export function hexToIntegrity(algorithm: HashAlgorithm, hex: string): string {
  if (!isHashAlgorithm(algorithm)) {
    throw new IntegrityError(`unsupported integrity algorithm "${shorten(String(algorithm))}"`);
  }
  const length = ALGORITHMS[algorithm].bytes * 2;
  const bytes = typeof hex === 'string' && hex.length === length ? hexToBytes(hex) : undefined;
  if (bytes === undefined) {
    throw new IntegrityError(`invalid ${algorithm} hex digest "${shorten(String(hex))}" (expected ${length} hex digits)`);
  }
  return `${algorithm}-${bytesToBase64(bytes)}`;
}
