/**
 * Token secrets: 32 random bytes in base64url behind a `plh_` prefix, hashed
 * with SHA-256 for storage, and matched against stored hashes in constant
 * time (every record is compared, none skipped, no early exit). The hash is
 * node:crypto's synchronous SHA-256 (a microsecond for a token): WebCrypto's
 * would send every authenticated request through the thread pool, behind
 * the journal's flushes. Also the record of a new token and
 * its info, which every token store shares.
 */
import { createHash } from 'node:crypto';
import { bytesToBase64 } from '../../src/core/base64.js';
import { bytesToHex } from '../../src/core/hex.js';
import { timingSafeEqual } from '../../src/core/integrity.js';
import type { TokenInfo, TokenRecord, TokenScopes } from './types.js';

/** Prefix of every plughub token, so that leaked tokens are easy to recognise and scan for. */
export const TOKEN_PREFIX = 'plh_';

const TOKEN_SHAPE = /^plh_[A-Za-z0-9_-]{43}$/;

function base64url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A new random token secret. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** A new random token id (12 hex digits), safe to print and to pass to `revoke`. */
export function generateTokenId(): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(6)));
}

/** The hex SHA-256 of a token, as stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token with these scopes: the secret (to show once) and the record to store (its hash only). */
export async function newTokenRecord(scopes: TokenScopes, now = Date.now()): Promise<{ token: string; record: TokenRecord }> {
  const token = generateToken();
  const record: TokenRecord = {
    id: generateTokenId(),
    hash: hashToken(token),
    scopes: { admin: scopes.admin, publish: [...scopes.publish] },
    createdAt: new Date(now).toISOString(),
  };
  return { token, record };
}

/** What a store tells about a token: its record without the hash. */
export function tokenInfo({ hash: _hash, ...info }: TokenRecord): TokenInfo {
  return info;
}

/** The record whose hash matches `token`, comparing with every record in constant time. */
export function findToken<T extends TokenRecord>(records: readonly T[], token: string): T | undefined {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return undefined;
  const hash = hashToken(token);
  let found: T | undefined;
  for (const record of records) {
    if (timingSafeEqual(record.hash, hash) && found === undefined) found = record;
  }
  return found;
}
