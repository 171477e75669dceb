/**
 * The trust store in a registry data directory:
 *
 *   keys/keyring.json              the keys (private halves included), mode 0600
 *   keys/versions/<n>.json         keys envelope n, kept forever (hosts walk them)
 *   signed/list.json               version counter and envelope of the plugin list
 *   signed/plugins/<name>.json     the same per plugin (`@acme/hello` → `@acme%2Fhello`)
 *
 * Every write is temp file (in `tmp/`) + fsync + rename; changes hold a lock
 * file in `locks/`, so `plughub keys` and a server can share the directory.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../src/node/atomic-write.js';
import { inTemp } from '../fs/atomic.js';
import { FileLocks } from '../fs/lock.js';
import { pluginDirectoryName } from '../storage/fs-options.js';
import type { SignedRecord, SigningStore } from './store.js';

const encoder = new TextEncoder();

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Opens (creating its folders if needed) the trust store of a data directory.
 * @example
 * const signing = { store: createFsSigningStore('./plughub-data') };
 */
export function createFsSigningStore(directory: string): SigningStore {
  const root = resolve(directory);
  const paths = {
    keys: join(root, 'keys'),
    versions: join(root, 'keys', 'versions'),
    signed: join(root, 'signed'),
    plugins: join(root, 'signed', 'plugins'),
    temp: join(root, 'tmp'),
    locks: join(root, 'locks'),
  };
  for (const path of Object.values(paths)) mkdirSync(path, { recursive: true });
  const locks = new FileLocks(paths.locks, paths.temp);
  const recordPath = (key: string) =>
    key === 'list' ? join(paths.signed, 'list.json') : join(paths.plugins, `${pluginDirectoryName(key.slice('plugin:'.length))}.json`);

  return {
    readKeyring() {
      return readText(join(paths.keys, 'keyring.json'));
    },
    async writeKeyring(keyring) {
      await writeFileAtomic(join(paths.keys, 'keyring.json'), encoder.encode(`${JSON.stringify(keyring, null, 2)}\n`), { ...inTemp(paths.temp), mode: 0o600 });
    },
    readKeysEnvelope(version) {
      return readText(join(paths.versions, `${version}.json`));
    },
    async writeKeysEnvelope(version, envelope) {
      await writeFileAtomic(join(paths.versions, `${version}.json`), encoder.encode(envelope), inTemp(paths.temp));
    },
    async readRecord(key) {
      const text = await readText(recordPath(key));
      return text === undefined ? undefined : (JSON.parse(text) as SignedRecord);
    },
    async writeRecord(key, record) {
      await writeFileAtomic(recordPath(key), encoder.encode(JSON.stringify(record)), inTemp(paths.temp));
    },
    withLock(name, work) {
      return locks.withLock(`trust-${name.replace(/[^A-Za-z0-9@._-]/g, '_')}`, work);
    },
  };
}
