/**
 * Byte encodings shared by core: standard base64 (with padding), built on
 * `btoa`/`atob` so that it runs in Node, browsers and workers alike, and on
 * `Uint8Array.prototype.toBase64` to encode where the runtime has it (hex is
 * in hex.ts). Used for data: URLs of modules, SRI digests, and Ed25519
 * keys and signatures. Decoding never lets `atob`'s DOMException out: text
 * that is not base64 is a Base64Error (a PlughubError), and
 * `canonicalBase64ToBytes` is the checked variant for hostile input.
 */
import { Base64Error } from './base64-error.js';

/** Canonical padded base64: groups of four, the last one padded with `=`. */
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `Uint8Array.prototype.toBase64` (ECMAScript 2026) where the runtime has it. */
const nativeToBase64 = (Uint8Array.prototype as { toBase64?: (this: Uint8Array) => string }).toBase64;

/**
 * Standard base64 (with padding) of bytes: the runtime's own encoder where it
 * has one (a 50 KB bundle in microseconds rather than a millisecond), else
 * `btoa` over chunks (no stack overflow on large bundles).
 */
export function bytesToBase64(bytes: Uint8Array): string {
  if (nativeToBase64) return nativeToBase64.call(bytes);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Bytes of a base64 string, as leniently as `atob` reads it (whitespace,
 * missing padding); throws a Base64Error for text `atob` refuses.
 */
export function base64ToBytes(base64: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(base64);
  } catch (error) {
    const shown = base64.length > 24 ? `${base64.slice(0, 24)}…` : base64;
    throw new Base64Error(`${JSON.stringify(shown)} (${base64.length} characters) is not base64`, { cause: error });
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Bytes of `text` when it is canonical padded base64 (the form
 * bytesToBase64 writes: no whitespace, padding present, unused bits zero)
 * and, with `byteLength`, decodes to exactly that many bytes; else
 * undefined. Never throws; for keys and signatures from hostile sources.
 */
export function canonicalBase64ToBytes(text: string, byteLength?: number): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  if (byteLength !== undefined && text.length !== Math.ceil(byteLength / 3) * 4) return undefined;
  if (!CANONICAL.test(text)) return undefined;
  const bytes = base64ToBytes(text);
  if (byteLength !== undefined && bytes.byteLength !== byteLength) return undefined;
  return bytesToBase64(bytes) === text ? bytes : undefined;
}
