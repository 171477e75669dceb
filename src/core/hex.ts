/**
 * Lowercase hex, the one encoding of bytes as hex in plughub: blob URLs
 * (`/v1/blobs/sha256/<hex>`), key ids, token ids and hashes, and cache file
 * names. Built on a table of the 256 byte values, so encoding costs one
 * lookup per byte; decoding refuses anything but an even number of hex
 * digits.
 */

const DIGITS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Lowercase hex of bytes. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += DIGITS[byte];
  return hex;
}

/**
 * Bytes of a hex string (either case), or undefined when it is not an even
 * number of hex digits.
 * @example hexToBytes('00ff') // Uint8Array [0, 255]
 */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (typeof hex !== 'string' || !HEX.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
