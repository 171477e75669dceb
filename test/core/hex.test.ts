/**
 * The hex encoding of src/core/hex.ts, the one every part of plughub uses
 * (blob URLs, key and token ids, cache file names).
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';

describe('hex', () => {
  it('writes every byte value as two lowercase digits and reads it back', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = bytesToHex(all);
    expect(hex).toHaveLength(512);
    expect(hex.slice(0, 8)).toBe('00010203');
    expect(hex.slice(-4)).toBe('feff');
    expect(hexToBytes(hex)).toEqual(all);
    expect(bytesToHex(new Uint8Array(0))).toBe('');
  });

  it('reads upper case too', () => {
    expect(hexToBytes('DEADbeef')).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
  });

  it('refuses an odd number of digits, non-hex characters, signs and spaces', () => {
    for (const text of ['a', 'abc', 'zz', '0x00', '+1', ' 00', '00 ', '-0', '１２']) expect(hexToBytes(text), text).toBeUndefined();
    expect(hexToBytes(42 as unknown as string)).toBeUndefined();
  });
});
