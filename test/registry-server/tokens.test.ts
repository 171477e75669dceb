/**
 * Publish tokens: scope patterns, the memory and file stores (hashes only,
 * verification, revocation, the first-token race), and document helpers that
 * decide `latest`.
 */
import { describe, expect, it } from 'vitest';
import {
  createFileTokenStore,
  createMemoryTokenStore,
  describePublishPattern,
  latestVersion,
  mayPublish,
  type TokenStore,
} from '../../registry-server/index.js';
import { tempDir } from './helpers.js';

describe('token scopes', () => {
  it('match exact names and whole scopes, and admin everything', () => {
    const scopes = { admin: false, publish: ['hello', '@acme/*'] };
    expect(['hello', '@acme/x', '@acme/hello'].map((name) => mayPublish(scopes, name))).toEqual([true, true, true]);
    expect(['hello2', 'hell', '@acme2/x', '@acm/x', '@other/hello', 'acme'].map((name) => mayPublish(scopes, name))).toEqual(Array(6).fill(false));
    expect(mayPublish({ admin: true, publish: [] }, '@any/thing')).toBe(true);
    expect(mayPublish({ admin: false, publish: [] }, 'hello')).toBe(false);
  });

  it('accept only plugin names and @scope/* as patterns', () => {
    expect(['hello', '@acme/hello', '@acme/*'].map(describePublishPattern)).toEqual([undefined, undefined, undefined]);
    for (const bad of ['*', 'acme/*', '@acme/*/x', 'Hello', '@/*', '@ac me/*', '']) expect(describePublishPattern(bad), bad).toBeDefined();
  });
});

describe.each([
  ['memory', async () => createMemoryTokenStore()],
  ['file', async () => createFileTokenStore(await tempDir())],
] as const)('%s token store', (_, create: () => Promise<TokenStore>) => {
  it('verifies the tokens it created, and nothing else', async () => {
    const store = await create();
    const { token, info } = await store.create({ admin: false, publish: ['hello'] });
    expect(token).toMatch(/^plh_[A-Za-z0-9_-]{43}$/);
    expect(await store.verify(token)).toEqual(info);
    for (const wrong of [`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, token.slice(4), '', `${token} `, 'plh_short']) {
      expect(await store.verify(wrong), wrong).toBeUndefined();
    }
    expect(await store.list()).toEqual([info]);
    expect(JSON.stringify(await store.list())).not.toContain(token);
    expect(await store.revoke(info.id)).toBe(true);
    expect(await store.verify(token)).toBeUndefined();
    expect(await store.revoke(info.id)).toBe(false);
  });
});

describe('file token store', () => {
  it('creates the first token once, even when two stores race on one directory', async () => {
    const directory = await tempDir();
    const [a, b] = [createFileTokenStore(directory), createFileTokenStore(directory)];
    const results = await Promise.all([a.createFirst({ admin: true, publish: [] }), b.createFirst({ admin: true, publish: [] })]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await a.list()).toHaveLength(1);
    expect(await a.createFirst({ admin: true, publish: [] })).toBeUndefined();
  });

  it('sees tokens another store on the same directory created or revoked', async () => {
    const directory = await tempDir();
    const [server, cli] = [createFileTokenStore(directory), createFileTokenStore(directory)];
    expect(await server.list()).toEqual([]);
    const { token, info } = await cli.create({ admin: false, publish: ['hello'] });
    expect((await server.verify(token))?.id).toBe(info.id);
    await cli.revoke(info.id);
    expect(await server.verify(token)).toBeUndefined();
  });
});

describe('latest version', () => {
  const entry = (yanked = false) => ({ yanked }) as never;
  it('is the highest stable version that is not yanked, else the highest prerelease', () => {
    expect(latestVersion({ '1.0.0': entry(), '2.0.0': entry(), '1.5.0': entry(), '3.0.0-rc.1': entry() })).toBe('2.0.0');
    expect(latestVersion({ '1.0.0': entry(), '2.0.0': entry(true) })).toBe('1.0.0');
    expect(latestVersion({ '1.0.0-alpha': entry(), '1.0.0-beta': entry() })).toBe('1.0.0-beta');
    expect(latestVersion({ '1.0.0': entry(true) })).toBeUndefined();
  });
});
