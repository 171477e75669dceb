/**
 * Ed25519 signature verification for hosts (docs/design.md, "Trust"): with
 * `crypto.subtle` Ed25519 where the runtime has it (Node 20, current
 * browsers), else with @noble/ed25519. Whether a SubtleCrypto supports
 * Ed25519 is probed once (importing a known-good public key; a
 * NotSupportedError, or an error naming the algorithm unrecognised or
 * unsupported, means no) and remembered per SubtleCrypto object, i.e. once
 * per realm for the global one. Noble is loaded with a dynamic import only
 * when the fallback is needed, so browsers with Ed25519 never fetch or run
 * it; its async SHA-512 is its default, `crypto.subtle.digest`, which every
 * browser with `crypto.subtle` has. Noble verifies with RFC 8032 / FIPS 186-5
 * rules (`zip215: false`), the strict criteria closest to WebCrypto's.
 * Signing stays with `crypto.subtle` (envelope.ts): it happens in Node.
 *
 * @example
 * const ok = await verifyEd25519(publicKeyRaw, signature, signatureInput(type, payload));
 */

import { bytesToHex, hexToBytes } from '../hex.js';

const ED25519 = { name: 'Ed25519' } as const;
/** Public key of RFC 8032 test vector 1: a valid point, used only to probe support. */
const PROBE_KEY = hexToBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')!;

/** Per SubtleCrypto: whether it supports Ed25519 (settles once). */
const support = new WeakMap<SubtleCrypto, Promise<boolean>>();
/** Per SubtleCrypto: imported verify keys by hex of their raw bytes (keys are few and immutable). */
const importedKeys = new WeakMap<SubtleCrypto, Map<string, Promise<CryptoKey>>>();
let noble: Promise<typeof import('@noble/ed25519')> | undefined;

/**
 * True when `signature` is a valid Ed25519 signature of `message` by the raw
 * 32-byte `publicKeyRaw`. A key that is not 32 bytes, a signature that is not
 * 64, or a key that is not a valid point is simply invalid (false). Rejects
 * only when neither crypto.subtle Ed25519 nor the fallback can run.
 * `options.subtle` replaces `globalThis.crypto.subtle` (tests use it to force
 * the fallback).
 */
export async function verifyEd25519(
  publicKeyRaw: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
  options: { subtle?: SubtleCrypto | undefined } = {},
): Promise<boolean> {
  if (publicKeyRaw.byteLength !== 32 || signature.byteLength !== 64) return false;
  const subtle = options.subtle ?? globalThis.crypto?.subtle;
  if (subtle && (await supportsEd25519(subtle))) {
    let key: CryptoKey;
    try {
      key = await importKey(subtle, publicKeyRaw);
    } catch {
      return false; // DataError: not a usable Ed25519 public key.
    }
    return subtle.verify(ED25519, key, copy(signature), copy(message));
  }
  const ed = await loadNoble();
  return ed.verifyAsync(copy(signature), copy(message), copy(publicKeyRaw), { zip215: false });
}

/** Whether `subtle` can import an Ed25519 public key; probed once per SubtleCrypto. */
function supportsEd25519(subtle: SubtleCrypto): Promise<boolean> {
  let known = support.get(subtle);
  if (!known) {
    known = subtle.importKey('raw', copy(PROBE_KEY), ED25519, false, ['verify']).then(
      () => true,
      (error: unknown) => {
        if (isUnsupported(error)) return false;
        support.delete(subtle); // An unexpected failure is not a verdict: probe again next time.
        throw error;
      },
    );
    support.set(subtle, known);
  }
  return known;
}

/** A NotSupportedError, or an error that says the algorithm is unknown (older engines, polyfills). */
function isUnsupported(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'NotSupportedError' || (typeof message === 'string' && /unrecogni[sz]ed|not supported|unsupported/i.test(message));
}

function importKey(subtle: SubtleCrypto, raw: Uint8Array): Promise<CryptoKey> {
  let keys = importedKeys.get(subtle);
  if (!keys) importedKeys.set(subtle, (keys = new Map()));
  const id = bytesToHex(raw);
  let key = keys.get(id);
  if (!key) {
    key = subtle.importKey('raw', copy(raw), ED25519, false, ['verify']);
    keys.set(id, key);
    key.catch(() => keys.delete(id));
  }
  return key;
}

/** Loads @noble/ed25519 once, on first use of the fallback. */
function loadNoble(): Promise<typeof import('@noble/ed25519')> {
  if (!noble) {
    noble = import('@noble/ed25519');
    noble.catch(() => (noble = undefined));
  }
  return noble;
}

/** A copy backed by a plain ArrayBuffer, as `crypto.subtle` requires under strict lib types. */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
