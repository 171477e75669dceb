/**
 * An in-memory token store, for tests and embedded registries. It keeps only
 * hashes, like the file store.
 */
import { findToken, generateToken, generateTokenId, hashToken } from './secrets.js';
import type { TokenInfo, TokenRecord, TokenScopes, TokenStore } from './types.js';

/**
 * Creates an empty in-memory token store.
 * @example
 * const tokens = createMemoryTokenStore();
 * const { token } = await tokens.create({ admin: false, publish: ['@acme/*'] });
 */
export function createMemoryTokenStore(): TokenStore {
  let records: TokenRecord[] = [];
  const info = ({ hash: _hash, ...rest }: TokenRecord): TokenInfo => rest;
  return {
    async verify(token) {
      const record = await findToken(records, token);
      return record === undefined ? undefined : info(record);
    },
    async create(scopes: TokenScopes) {
      const token = generateToken();
      const record: TokenRecord = {
        id: generateTokenId(),
        hash: await hashToken(token),
        scopes: { admin: scopes.admin, publish: [...scopes.publish] },
        createdAt: new Date().toISOString(),
      };
      records = [...records, record];
      return { token, info: info(record) };
    },
    async list() {
      return records.map(info);
    },
    async revoke(id) {
      const before = records.length;
      records = records.filter((record) => record.id !== id);
      return records.length < before;
    },
  };
}
