/**
 * The token store of a data directory: `tokens.json` (readable by its owner
 * only) holds one record per token: { id, hash, scopes, createdAt }, where
 * hash is the SHA-256 of the token, never the token. Changes run under the
 * `tokens` lock file and are written atomically, so `plughub token create`
 * can run while servers use the same directory; servers see new and revoked
 * tokens at once (each check revalidates the cached file with a stat).
 */
import { mkdirSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../src/node/atomic-write.js';
import { inTemp, sameFile } from '../fs/atomic.js';
import { FileLocks } from '../fs/lock.js';
import { findToken, newTokenRecord, tokenInfo } from './secrets.js';
import type { TokenInfo, TokenRecord, TokenScopes, TokenStore } from './types.js';

interface TokensFile {
  version: 1;
  tokens: TokenRecord[];
}

/** A token store kept in a data directory. */
export interface FileTokenStore extends TokenStore {
  /**
   * Creates a token only when the store has none yet (checked under the
   * lock, so two servers starting on an empty directory create one between
   * them); undefined when tokens exist.
   */
  createFirst(scopes: TokenScopes): Promise<{ token: string; info: TokenInfo } | undefined>;
}

/**
 * Opens the token store of a data directory (the one `createFsStorage` uses).
 * @example
 * const tokens = createFileTokenStore('./plughub-data');
 * const { token } = await tokens.create({ admin: false, publish: ['hello'] });
 */
export function createFileTokenStore(directory: string): FileTokenStore {
  const root = resolve(directory);
  const file = join(root, 'tokens.json');
  const temp = join(root, 'tmp');
  const lockDirectory = join(root, 'locks');
  for (const path of [temp, lockDirectory]) mkdirSync(path, { recursive: true });
  const locks = new FileLocks(lockDirectory, temp);
  let cached: { info: Stats; records: TokenRecord[] } | undefined;

  async function read(): Promise<TokenRecord[]> {
    const info = statSync(file, { throwIfNoEntry: false });
    if (info === undefined) return [];
    if (cached !== undefined && sameFile(cached.info, info)) return cached.records;
    const parsed = JSON.parse(await readFile(file, 'utf8')) as TokensFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.tokens)) throw new Error(`${file} is not a plughub token file`);
    cached = { info, records: parsed.tokens };
    return parsed.tokens;
  }

  async function change(update: (records: TokenRecord[]) => TokenRecord[] | undefined): Promise<void> {
    await locks.withLock('tokens', async () => {
      cached = undefined;
      const next = update(await read());
      if (next === undefined) return;
      const body: TokensFile = { version: 1, tokens: next };
      await writeFileAtomic(file, new TextEncoder().encode(`${JSON.stringify(body, null, 2)}\n`), { ...inTemp(temp), mode: 0o600 });
      cached = undefined;
    });
  }

  return {
    async verify(token) {
      const record = findToken(await read(), token);
      return record === undefined ? undefined : tokenInfo(record);
    },
    async create(scopes) {
      const { token, record } = await newTokenRecord(scopes);
      await change((records) => [...records, record]);
      return { token, info: tokenInfo(record) };
    },
    async createFirst(scopes) {
      const { token, record } = await newTokenRecord(scopes);
      let created = false;
      await change((records) => {
        if (records.length > 0) return undefined;
        created = true;
        return [record];
      });
      return created ? { token, info: tokenInfo(record) } : undefined;
    },
    async list() {
      return (await read()).map(tokenInfo);
    },
    async revoke(id) {
      let found = false;
      await change((records) => {
        const kept = records.filter((record) => record.id !== id);
        found = kept.length < records.length;
        return found ? kept : undefined;
      });
      return found;
    },
  };
}
