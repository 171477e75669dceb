/** Where serve, token and migrate find a registry: --data, --storage or PLUGHUB_STORAGE, and passwords kept out of what they print. */
import { describe, expect, it } from 'vitest';
import { isPostgresUrl, redactStorage, storageLocation } from '../../../src/node/cli/registry-store.js';

const io = (env: Record<string, string> = {}) => ({ stdout: { write: () => true }, stderr: { write: () => true }, env, cwd: '/srv' });

describe('storageLocation', () => {
  it('defaults to ./plughub-data, resolves --data, and takes a database from --storage or PLUGHUB_STORAGE', () => {
    expect(storageLocation('serve', {}, io())).toBe('/srv/plughub-data');
    expect(storageLocation('serve', { data: 'reg' }, io())).toBe('/srv/reg');
    expect(storageLocation('serve', { storage: 'postgres://u@db/plughub' }, io())).toBe('postgres://u@db/plughub');
    expect(storageLocation('token', {}, io({ PLUGHUB_STORAGE: ' postgresql://u@db/plughub ' }))).toBe('postgresql://u@db/plughub');
    // --data on the command line wins over the environment.
    expect(storageLocation('token', { data: 'reg' }, io({ PLUGHUB_STORAGE: 'postgres://u@db/plughub' }))).toBe('/srv/reg');
  });

  it('refuses --storage with --data, and a --storage that is not a database URL, without printing a password', () => {
    expect(() => storageLocation('serve', { storage: 'postgres://u@db/p', data: 'reg' }, io())).toThrow(/--storage and --data/);
    expect(() => storageLocation('serve', { storage: './reg' }, io())).toThrow(/--storage must be a postgres:\/\/ URL/);
    expect(() => storageLocation('serve', {}, io({ PLUGHUB_STORAGE: 'mysql://u:pw@db/p' }))).toThrow(/--storage must be a postgres:\/\/ URL/);
    expect(() => storageLocation('serve', { storage: 'mysql://u:hunter2@db/p' }, io())).not.toThrow(/hunter2/);
  });
});

describe('redactStorage', () => {
  it('replaces the password of every database URL in a line, and nothing else', () => {
    expect(redactStorage('postgres://plughub:s3cr%40t@db:5432/reg and postgresql://a:b@c/d')).toBe(
      'postgres://plughub:***@db:5432/reg and postgresql://a:***@c/d',
    );
    expect(redactStorage('postgres://plughub@db/reg')).toBe('postgres://plughub@db/reg');
    expect(redactStorage('/srv/plughub-data')).toBe('/srv/plughub-data');
    expect(redactStorage('not a database: mysql://u:hunter2@db/p')).toBe('not a database: mysql://u:***@db/p');
    expect(isPostgresUrl('POSTGRES://x@y/z')).toBe(true);
    expect(isPostgresUrl('./postgres')).toBe(false);
  });
});
