/**
 * Byte encodings shared by core: standard base64 (with padding), built on
 * `btoa`/`atob` so that it runs in Node, browsers and workers alike, and
 * lowercase hex. Used for data: URLs of modules, SRI digests, and Ed25519
 * keys and signatures.
 */

/** Standard base64 (with padding) of bytes, encoded in chunks (no stack overflow on large bundles). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Bytes of a standard base64 string; throws on malformed input (from `atob`). */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Lowercase hex of bytes. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
