/**
 * The registry's keyring: create it on first use (one new Ed25519 key, keys
 * version 1 signed by it), rotate it (a new key; keys version n+1 lists it
 * and is signed by the old keys and the new one), renew the newest keys
 * envelope before it expires, and import the private keys for signing.
 */
import {
  KEYS_PAYLOAD_TYPE,
  generateSigningKey,
  importSigningKey,
  signEnvelope,
  type GeneratedSigningKey,
  type KeysPayload,
  type SigningKey,
} from '../../src/core/trust/index.js';
import type { KeyRecord, Keyring, SigningStore } from './store.js';

/** A keyring with the active private keys imported, ready to sign. */
export interface LoadedKeyring {
  keyring: Keyring;
  /** The stored text it was parsed from (a change of it means a reload). */
  text: string;
  /** The active keys, imported. */
  signers: SigningKey[];
}

/** What creating a keyring may be told. */
export interface KeyringSetup {
  /** The registry identity (default `plughub:` + the first keyid). */
  registry?: string;
  /** A key given by the operator instead of a generated one. */
  key?: GeneratedSigningKey;
  /** How long the keys envelopes are valid (ms). */
  ttlMs: number;
  now: number;
}

const KEYRING_LOCK = 'keyring';

function keyRecord(key: GeneratedSigningKey, now: number): KeyRecord {
  return { keyid: key.keyid, publicKey: key.publicKey, privateKey: key.privateKeyPkcs8, createdAt: new Date(now).toISOString() };
}

async function signersOf(keyring: Keyring, keyids: readonly string[]): Promise<SigningKey[]> {
  const signers: SigningKey[] = [];
  for (const keyid of keyids) {
    const record = keyring.keys.find((key) => key.keyid === keyid);
    if (record === undefined) throw new Error(`the keyring has no key ${keyid}`);
    signers.push({ keyid, privateKey: await importSigningKey(record.privateKey) });
  }
  return signers;
}

/** Signs and stores keys version `version` listing the active keys, signed by `signedBy`. */
async function publishKeys(store: SigningStore, keyring: Keyring, signedBy: readonly string[], ttlMs: number, now: number): Promise<void> {
  const payload: KeysPayload = {
    type: 'keys',
    registry: keyring.registry,
    version: keyring.keysVersion,
    expires: new Date(now + ttlMs).toISOString(),
    keys: keyring.active.map((keyid) => {
      const record = keyring.keys.find((key) => key.keyid === keyid)!;
      return { keyid, publicKey: record.publicKey };
    }),
    threshold: keyring.threshold,
  };
  const envelope = await signEnvelope(KEYS_PAYLOAD_TYPE, payload, await signersOf(keyring, signedBy));
  await store.writeKeysEnvelope(keyring.keysVersion, JSON.stringify(envelope));
}

async function load(text: string): Promise<LoadedKeyring> {
  const keyring = JSON.parse(text) as Keyring;
  return { keyring, text, signers: await signersOf(keyring, keyring.active) };
}

/**
 * Refuses a setup that contradicts the keyring already there: another
 * identity (hosts pin it: it never changes), or a key that is not the one
 * signing now (a new key is announced by `plughub keys rotate`).
 */
function checkKeyringSetup(keyring: Keyring, setup: Pick<KeyringSetup, 'registry' | 'key'>): void {
  if (setup.registry !== undefined && setup.registry !== keyring.registry) {
    throw new Error(
      `the keyring already has the registry identity ${JSON.stringify(keyring.registry)}, not ${JSON.stringify(setup.registry)}: ` +
        'the identity is set once, when the keys are created (hosts pin it), and cannot change',
    );
  }
  if (setup.key !== undefined && !keyring.active.includes(setup.key.keyid)) {
    const retired = keyring.keys.some((key) => key.keyid === setup.key!.keyid);
    throw new Error(
      retired
        ? `signing key ${setup.key.keyid} was retired by a key rotation; this registry signs with ${keyring.active.join(', ')} now`
        : `the keyring already signs with ${keyring.active.join(', ')}, not with the given key ${setup.key.keyid}: ` +
            'to move to that key, announce it with plughub keys rotate --signing-key FILE',
    );
  }
}

async function loadChecked(text: string, setup: KeyringSetup): Promise<LoadedKeyring> {
  const loaded = await load(text);
  checkKeyringSetup(loaded.keyring, setup);
  return loaded;
}

/**
 * The keyring of `store`, created (with keys version 1) when there is none;
 * an existing one must agree with `setup` (see checkKeyringSetup).
 */
export async function ensureKeyring(store: SigningStore, setup: KeyringSetup): Promise<LoadedKeyring> {
  const existing = await store.readKeyring();
  if (existing !== undefined) return loadChecked(existing, setup);
  return store.withLock(KEYRING_LOCK, async () => {
    const again = await store.readKeyring();
    if (again !== undefined) return loadChecked(again, setup);
    const key = setup.key ?? (await generateSigningKey());
    const keyring: Keyring = {
      registry: setup.registry ?? `plughub:${key.keyid}`,
      threshold: 1,
      active: [key.keyid],
      keys: [keyRecord(key, setup.now)],
      keysVersion: 1,
    };
    await publishKeys(store, keyring, keyring.active, setup.ttlMs, setup.now);
    await store.writeKeyring(keyring);
    return load((await store.readKeyring())!);
  });
}

/** Reloads the keyring when its stored text changed (after a rotation by another process). */
export async function reloadKeyring(store: SigningStore, current: LoadedKeyring): Promise<LoadedKeyring> {
  const text = await store.readKeyring();
  return text === undefined || text === current.text ? current : load(text);
}

/**
 * Rotates to a new key (generated, or `key`): keys version n+1 lists only the
 * new key and is signed by the previously active keys and the new one.
 */
export async function rotateKeyring(store: SigningStore, options: { key?: GeneratedSigningKey; ttlMs: number; now: number }): Promise<Keyring> {
  return store.withLock(KEYRING_LOCK, async () => {
    const text = await store.readKeyring();
    if (text === undefined) throw new Error('there is no keyring to rotate');
    const current = JSON.parse(text) as Keyring;
    const key = options.key ?? (await generateSigningKey());
    if (current.keys.some((record) => record.keyid === key.keyid)) throw new Error(`key ${key.keyid} was already used by this registry`);
    const next: Keyring = {
      ...current,
      active: [key.keyid],
      keys: [...current.keys, keyRecord(key, options.now)],
      keysVersion: current.keysVersion + 1,
    };
    await publishKeys(store, next, [...current.active, key.keyid], options.ttlMs, options.now);
    await store.writeKeyring(next);
    return next;
  });
}

/**
 * Re-signs the keys document as version n+1 (same keys, signed by the active
 * ones) unless keys version `seen` was already superseded by another process.
 */
export async function renewKeys(store: SigningStore, seen: number, options: { ttlMs: number; now: number }): Promise<void> {
  await store.withLock(KEYRING_LOCK, async () => {
    const text = await store.readKeyring();
    if (text === undefined) return;
    const current = JSON.parse(text) as Keyring;
    if (current.keysVersion !== seen) return;
    const next: Keyring = { ...current, keysVersion: current.keysVersion + 1 };
    await publishKeys(store, next, next.active, options.ttlMs, options.now);
    await store.writeKeyring(next);
  });
}
