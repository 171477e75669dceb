import { describe, expect, it } from 'vitest';
import { IntegrityError, isIntegrityError } from '../../src/core/errors/index.js';
import {
  checkIntegrity,
  computeIntegrity,
  hexToIntegrity,
  integrityToHex,
  parseIntegrity,
  strongestHashes,
  timingSafeEqual,
  verifyIntegrity,
} from '../../src/core/integrity.js';

const abc = new TextEncoder().encode('abc');
const SHA256_ABC = 'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=';
const SHA384_ABC = 'sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn';
const SHA512_ABC = 'sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==';
const SHA256_EMPTY = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const SHA384_EMPTY = 'sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('computeIntegrity', () => {
  it('matches the known vectors of all three algorithms', async () => {
    expect(await computeIntegrity(abc)).toBe(SHA256_ABC);
    expect(await computeIntegrity(abc, 'sha256')).toBe(SHA256_ABC);
    expect(await computeIntegrity(abc, 'sha384')).toBe(SHA384_ABC);
    expect(await computeIntegrity(abc, 'sha512')).toBe(SHA512_ABC);
    expect(await computeIntegrity(new Uint8Array(0))).toBe(SHA256_EMPTY);
  });

  it('accepts an ArrayBuffer and a view into a larger buffer', async () => {
    expect(await computeIntegrity(abc.slice().buffer)).toBe(SHA256_ABC);
    const larger = new TextEncoder().encode('xxabcxx');
    expect(await computeIntegrity(larger.subarray(2, 5))).toBe(SHA256_ABC);
  });
});

describe('parseIntegrity', () => {
  it('parses one hash', () => {
    expect(parseIntegrity(SHA256_ABC)).toEqual([{ algorithm: 'sha256', digest: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=' }]);
  });

  it('parses several whitespace-separated hashes and ignores ?options', () => {
    const hashes = parseIntegrity(`  ${SHA256_ABC}?foo=bar \n\t${SHA384_ABC}  `);
    expect(hashes.map((h) => h.algorithm)).toEqual(['sha256', 'sha384']);
    expect(hashes[0]!.digest).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
  });

  it.each([
    ['empty string', ''],
    ['only whitespace', '  \n '],
    ['md5', 'md5-kAFQmDzST7DWlj99KOF/cg=='],
    ['sha1', 'sha1-qZk+NkcGgWq6PiVxeFDCbJzQ2J0='],
    ['sha999', 'sha999-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='],
    ['no dash', 'sha256ungWv48Bz'],
    ['no digest', 'sha256-'],
    ['bad base64 characters', 'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0='],
    ['bad padding', 'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0'],
    ['digest of the wrong length', 'sha256-YWJj'],
    ['one bad token among good ones', `${SHA256_ABC} sha256-!!!`],
  ])('refuses %s', (_label, integrity) => {
    const error = thrown(() => parseIntegrity(integrity));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(isIntegrityError(error)).toBe(true);
    expect((error as IntegrityError).code).toBe('E_INTEGRITY');
  });

  it('names the unknown algorithm and the plugin', () => {
    expect(() => parseIntegrity('md5-kAFQmDzST7DWlj99KOF/cg==', { plugin: 'hello', version: '1.2.0' })).toThrow(
      'hello@1.2.0: unsupported integrity algorithm "md5" (supported: sha256, sha384, sha512)',
    );
  });
});

describe('strongestHashes', () => {
  it('keeps only the hashes of the strongest algorithm', () => {
    const hashes = parseIntegrity(`${SHA256_ABC} ${SHA512_ABC} ${SHA384_ABC} ${SHA512_ABC.replace('3a', '4a')}`);
    expect(strongestHashes(hashes).map((h) => h.algorithm)).toEqual(['sha512', 'sha512']);
    expect(strongestHashes([])).toEqual([]);
  });
});

describe('checkIntegrity and verifyIntegrity', () => {
  it('accepts matching bytes for every algorithm', async () => {
    for (const integrity of [SHA256_ABC, SHA384_ABC, SHA512_ABC]) {
      expect(await checkIntegrity(abc, integrity)).toBe(true);
      await expect(verifyIntegrity(abc, integrity)).resolves.toBeUndefined();
    }
  });

  it('refuses bytes with one tampered byte', async () => {
    const tampered = abc.slice();
    tampered[1] = 0x63; // "acc"
    expect(await checkIntegrity(tampered, SHA256_ABC)).toBe(false);
    expect(await checkIntegrity(tampered, SHA512_ABC)).toBe(false);
    await expect(verifyIntegrity(tampered, SHA384_ABC)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('names plugin, version, URL, expected and actual in the error', async () => {
    const url = 'https://registry.example/v1/blobs/sha256/ba7816bf';
    const error = await verifyIntegrity(new Uint8Array(0), SHA256_ABC, {
      plugin: 'hello',
      version: '1.2.0',
      url,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    const integrityError = error as IntegrityError;
    expect(integrityError.message).toBe(`hello@1.2.0: sha256 of ${url} does not match (expected ${SHA256_ABC}, got ${SHA256_EMPTY})`);
    expect(integrityError.expected).toBe(SHA256_ABC);
    expect(integrityError.actual).toBe(SHA256_EMPTY);
    expect(integrityError.plugin).toBe('hello');
    expect(integrityError.version).toBe('1.2.0');
    expect(integrityError.url).toBe(url);
  });

  it('leaves out what it does not know', async () => {
    await expect(verifyIntegrity(new Uint8Array(0), SHA256_ABC)).rejects.toThrow(`sha256 does not match (expected ${SHA256_ABC}, got ${SHA256_EMPTY})`);
    await expect(verifyIntegrity(new Uint8Array(0), SHA256_ABC)).rejects.toThrow(/^sha256 does not match/);
  });

  it('only checks the strongest algorithm: a matching weaker hash is not enough', async () => {
    const integrity = `${SHA256_ABC} ${SHA384_EMPTY}`;
    expect(await checkIntegrity(abc, integrity)).toBe(false);
    expect(await checkIntegrity(new Uint8Array(0), integrity)).toBe(true);
    const error = await verifyIntegrity(abc, integrity).catch((e: unknown) => e);
    expect((error as IntegrityError).expected).toBe(SHA384_EMPTY);
    expect((error as IntegrityError).actual).toBe(SHA384_ABC);
  });

  it('accepts any of several digests of the strongest algorithm', async () => {
    const integrity = `${SHA384_EMPTY} ${SHA256_EMPTY} ${SHA384_ABC}`;
    expect(await checkIntegrity(abc, integrity)).toBe(true);
    expect(await checkIntegrity(new Uint8Array(0), integrity)).toBe(true);
    expect(await checkIntegrity(new TextEncoder().encode('abd'), integrity)).toBe(false);
  });

  it('throws, rather than passing, for an unusable integrity string', async () => {
    await expect(checkIntegrity(abc, '')).rejects.toBeInstanceOf(IntegrityError);
    await expect(checkIntegrity(abc, 'sha1-qZk+NkcGgWq6PiVxeFDCbJzQ2J0=')).rejects.toBeInstanceOf(IntegrityError);
    await expect(verifyIntegrity(abc, 'garbage', { plugin: 'hello' })).rejects.toThrow(/^hello: malformed integrity/);
  });
});

describe('timingSafeEqual', () => {
  it('compares strings and bytes', () => {
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual(abc, new Uint8Array([97, 98, 99]))).toBe(true);
    expect(timingSafeEqual('abc', abc)).toBe(true);
    expect(timingSafeEqual('', '')).toBe(true);
  });

  it('returns false on a length mismatch, also when one is a prefix of the other', () => {
    expect(timingSafeEqual('abc', 'abcd')).toBe(false);
    expect(timingSafeEqual('abc', '')).toBe(false);
    expect(timingSafeEqual(new Uint8Array([0]), new Uint8Array([0, 0]))).toBe(false);
  });
});

describe('hex conversion', () => {
  it('turns the strongest hash into hex for blob URLs', () => {
    expect(integrityToHex(SHA256_ABC)).toEqual({
      algorithm: 'sha256',
      hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
    expect(integrityToHex(`${SHA256_ABC} ${SHA384_ABC}`).algorithm).toBe('sha384');
  });

  it('round-trips every algorithm', () => {
    for (const integrity of [SHA256_ABC, SHA384_ABC, SHA512_ABC]) {
      const { algorithm, hex } = integrityToHex(integrity);
      expect(hex).toMatch(/^[0-9a-f]+$/);
      expect(hexToIntegrity(algorithm, hex)).toBe(integrity);
      expect(hexToIntegrity(algorithm, hex.toUpperCase())).toBe(integrity);
    }
  });

  it('refuses hex of the wrong length or with other characters', () => {
    const hex = integrityToHex(SHA256_ABC).hex;
    expect(() => hexToIntegrity('sha256', hex.slice(2))).toThrow(IntegrityError);
    expect(() => hexToIntegrity('sha384', hex)).toThrow(/expected 96 hex digits/);
    expect(() => hexToIntegrity('sha256', `${hex.slice(2)}zz`)).toThrow(IntegrityError);
    expect(() => hexToIntegrity('sha256', '')).toThrow(IntegrityError);
    expect(() => hexToIntegrity('md5' as 'sha256', hex)).toThrow(IntegrityError);
  });
});
