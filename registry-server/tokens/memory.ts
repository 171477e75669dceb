/**
 * An in-memory token store, for tests and embedded registries. It keeps only
 * hashes, like the file store.
 */
import { findToken, newTokenRecord, tokenInfo } from './secrets.js';
import type { TokenRecord, TokenStore } from './types.js';

/**
 * Creates an empty in-memory token store.
 * @example
 * const tokens = createMemoryTokenStore();
 * const { token } = await tokens.create({ admin: false, publish: ['@acme/*'] });
 */
export function createMemoryTokenStore(): TokenStore {
  let records: TokenRecord[] = [];
  return {
    async verify(token) {
      const record = findToken(records, token);
      return record === undefined ? undefined : tokenInfo(record);
    },
    async create(scopes) {
      const { token, record } = await newTokenRecord(scopes);
      records = [...records, record];
      return { token, info: tokenInfo(record) };
    },
    async list() {
      return records.map(tokenInfo);
    },
    async revoke(id) {
      const before = records.length;
      records = records.filter((record) => record.id !== id);
      return records.length < before;
    },
  };
}
