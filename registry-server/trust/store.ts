/**
 * Where the registry keeps what signing needs: the keyring (its Ed25519 keys,
 * which of them sign, its identity, the newest keys version), every keys
 * envelope ever published (hosts walk them to follow a rotation), and one
 * record per signed document (its version counter and the envelope last
 * signed). `createMemorySigningStore` here; the data directory variant is in
 * fs-store.ts.
 */
import { KeyedMutex } from '../storage/mutex.js';

/** One registry key, private half included (base64 PKCS#8). */
export interface KeyRecord {
  keyid: string;
  /** Base64 of the raw 32-byte public key. */
  publicKey: string;
  /** Base64 of the PKCS#8 private key. */
  privateKey: string;
  createdAt: string;
}

/** The registry's keys and signing state. */
export interface Keyring {
  /** The identity every payload carries (`plughub:<first keyid>` unless the operator set one). */
  registry: string;
  /** How many distinct keys must sign, as announced in the keys payload. */
  threshold: number;
  /** Keyids of the keys that sign now (the ones the newest keys payload lists). */
  active: string[];
  /** Every key this registry had, retired ones included. */
  keys: KeyRecord[];
  /** The newest keys version (its envelope is stored under that number). */
  keysVersion: number;
}

/** The signed state of one document: `plugin:<name>` or `list`. */
export interface SignedRecord {
  /** Increases with every new signature of this document. */
  version: number;
  /** What was signed: the ETag of the plugin document, or a digest of the list. */
  source: string;
  /** The payload's `expires`. */
  expires: string;
  /** Who signed it. */
  keyids: string[];
  /** The envelope as JSON text, served as it is. */
  envelope: string;
}

/** Storage of the keyring, the keys envelopes and the signed records. */
export interface SigningStore {
  /** The keyring as stored (JSON text), or undefined when there is none yet. */
  readKeyring(): Promise<string | undefined>;
  /** Replaces the keyring atomically. */
  writeKeyring(keyring: Keyring): Promise<void>;
  /** The keys envelope of `version` (JSON text), or undefined. */
  readKeysEnvelope(version: number): Promise<string | undefined>;
  /** Stores the keys envelope of `version` (written before the keyring that points at it). */
  writeKeysEnvelope(version: number, envelope: string): Promise<void>;
  /** The record of `key`, or undefined. */
  readRecord(key: string): Promise<SignedRecord | undefined>;
  /** Replaces the record of `key` atomically. */
  writeRecord(key: string, record: SignedRecord): Promise<void>;
  /** Runs `work` holding the lock `name` (across processes for stores that can be shared). */
  withLock<T>(name: string, work: () => Promise<T>): Promise<T>;
}

/**
 * A trust store in memory: keys and counters die with the process. For tests
 * and throwaway registries.
 * @example
 * const registry = createRegistry({ storage, tokens, signing: { store: createMemorySigningStore() } });
 */
export function createMemorySigningStore(): SigningStore {
  let keyring: string | undefined;
  const keysEnvelopes = new Map<number, string>();
  const records = new Map<string, SignedRecord>();
  const mutex = new KeyedMutex();
  return {
    async readKeyring() {
      return keyring;
    },
    async writeKeyring(next) {
      keyring = JSON.stringify(next);
    },
    async readKeysEnvelope(version) {
      return keysEnvelopes.get(version);
    },
    async writeKeysEnvelope(version, envelope) {
      keysEnvelopes.set(version, envelope);
    },
    async readRecord(key) {
      return records.get(key);
    },
    async writeRecord(key, record) {
      records.set(key, { ...record });
    },
    withLock(name, work) {
      return mutex.run(name, work);
    },
  };
}
