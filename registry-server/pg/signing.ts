/**
 * The signing state of a PostgreSQL registry: the keyring (one row), every
 * keys envelope, and one record per signed document. `withLock` holds a
 * transaction-scoped advisory lock for the whole of `work`, and the reads
 * and writes `work` makes run in that transaction: one signer at a time,
 * decided by the database, and a signer that dies mid-way leaves nothing.
 * Version counters never go backwards: a write that would lower one is
 * refused by the UPDATE's condition and rejects.
 */
import type { Keyring, SignedRecord, SigningStore } from '../trust/store.js';
import type { Connections } from './connection.js';

/** The largest keyring, envelope or record read back (the fs store reads whole files; these are kilobytes). */
const MAX_TEXT_CHARS = 16 * 1024 * 1024;

function bounded(text: string | null | undefined, what: string): string | undefined {
  if (text === null || text === undefined) return undefined;
  if (text.length > MAX_TEXT_CHARS) throw new Error(`the stored ${what} is larger than ${MAX_TEXT_CHARS} characters`);
  return text;
}

/** The signing store of a PostgreSQL registry. */
export function createPgSigningStore(connections: Connections): SigningStore {
  return {
    async readKeyring() {
      const [row] = await connections.current<{ keyring: string }[]>`SELECT keyring FROM signing_keyring WHERE id = 1`;
      return bounded(row?.keyring, 'keyring');
    },

    async writeKeyring(keyring: Keyring) {
      const rows = await connections.current`
        INSERT INTO signing_keyring (id, keyring, keys_version) VALUES (1, ${JSON.stringify(keyring)}, ${keyring.keysVersion})
        ON CONFLICT (id) DO UPDATE SET keyring = excluded.keyring, keys_version = excluded.keys_version
        WHERE signing_keyring.keys_version <= excluded.keys_version
        RETURNING id`;
      if (rows.length === 0)
        throw new Error(`the keyring's keys version ${keyring.keysVersion} is older than the stored one; a keys version never goes backwards`);
    },

    async readKeysEnvelope(version) {
      const [row] = await connections.current<{ envelope: string }[]>`SELECT envelope FROM signing_keys_envelopes WHERE version = ${version}`;
      return bounded(row?.envelope, `keys envelope ${version}`);
    },

    async writeKeysEnvelope(version, envelope) {
      await connections.current`
        INSERT INTO signing_keys_envelopes (version, envelope) VALUES (${version}, ${envelope})
        ON CONFLICT (version) DO UPDATE SET envelope = excluded.envelope`;
    },

    async readRecord(key) {
      const [row] = await connections.current<{ record: string }[]>`SELECT record FROM signing_records WHERE key = ${key}`;
      const text = bounded(row?.record, `signed record ${key}`);
      return text === undefined ? undefined : (JSON.parse(text) as SignedRecord);
    },

    async writeRecord(key, record) {
      const rows = await connections.current`
        INSERT INTO signing_records (key, version, record) VALUES (${key}, ${record.version}, ${JSON.stringify(record)})
        ON CONFLICT (key) DO UPDATE SET version = excluded.version, record = excluded.record
        WHERE signing_records.version <= excluded.version
        RETURNING key`;
      if (rows.length === 0) throw new Error(`the signed record ${key} is at a newer version than ${record.version}; a signed version never goes backwards`);
    },

    withLock(name, work) {
      return connections.transaction(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`plughub:signing:${name}`}, 0))`;
        return work();
      });
    },
  };
}
