/**
 * The host's side of signed registry metadata: one guard per registry URL
 * holds the trusted key set (from HostOptions, moved along the key chain by
 * rotation) and checks every document before the host acts on it —
 * signatures and threshold, type, registry identity and name
 * (mix-and-match), expiry, and rollback against the highest version seen,
 * which it then records. `createAuthorCheck` checks author signatures where
 * `authorKeys` requires them.
 *
 * What is trusted always derives from the configured `trustedKeys`: the
 * TrustStore keeps the rotation as the chain of keys envelopes it followed,
 * and the guard verifies that chain again from the configured keys each
 * time it reads it; a chain that does not verify is ignored. A writer of
 * the store (a neighbour who can write the cache directory or the origin's
 * IndexedDB) can therefore at most bring back a key an earlier link of the
 * registry's own chain vouched for, as a restart without the store would,
 * and never add one. The pinned registry identity is kept next to the chain
 * unsigned when no keys envelope names it: a writer can change it only to
 * an identity whose documents the trusted keys sign (set `registryId` to
 * pin it independently of the store).
 */
import { RollbackError, SignatureError, isExpiredError, isRollbackError, isSignatureError } from '../errors.js';
import type { TrustStore } from '../ports.js';
import { DOCUMENT_PAYLOAD_TYPE, LIST_PAYLOAD_TYPE, type DocumentPayload, type Envelope, type ListPayload, type Payload } from './envelope.js';
import { MAX_KEY_CHAIN_LINKS, followKeyChain, replayKeyChain, type KeysFetcher, type TrustedKeySet } from './key-chain.js';
import { createMemoryTrustStore } from './memory-trust-store.js';
import { checkAuthorSignatures, hasUnknownSigner, normalizeKeys, openEnvelope, type AuthorSignedEntry, type TrustedKeyInput } from './verify.js';

/** The trust settings of a host (see HostOptions). */
export interface TrustOptions {
  /** Registry keys to trust: base64 raw Ed25519 public keys, or `{ keyid, publicKey }`. */
  trustedKeys: readonly TrustedKeyInput[];
  /** How many distinct trusted keys must sign (default 1). */
  threshold?: number;
  /** The registry identity documents must name; default: the one of the first verified document, pinned. */
  registryId?: string;
  /** Where versions seen and the trusted key set are kept (default in memory). */
  store?: TrustStore;
  /** The clock `expires` is compared with (default Date.now). */
  now?: () => number;
}

/** Checks signed metadata of one registry. */
export interface TrustGuard {
  /**
   * Verifies the envelope of `name`'s document and records its version.
   * With `offline`, no key rotation is attempted (the registry is not reachable).
   */
  document(name: string, envelope: Envelope | undefined, where: { url: string; offline?: boolean }): Promise<DocumentPayload>;
  /** Verifies the envelope of the plugin list and records its version. */
  list(envelope: Envelope | undefined, url: string): Promise<ListPayload>;
}

/** Refuses a version without a valid author signature when `authorKeys` covers its name. */
export type AuthorCheck = (name: string, version: string, entry: AuthorSignedEntry) => Promise<void>;

/**
 * The pattern of `authorKeys` that covers `name`: the name itself, else its
 * `@scope/*`, else `*`; undefined when none does.
 */
export function authorPatternOf(authorKeys: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (Object.hasOwn(authorKeys, name)) return name;
  const scope = name.startsWith('@') && name.includes('/') ? `${name.slice(0, name.indexOf('/'))}/*` : undefined;
  if (scope !== undefined && Object.hasOwn(authorKeys, scope)) return scope;
  return Object.hasOwn(authorKeys, '*') ? '*' : undefined;
}

/**
 * The author-signature check of `authorKeys` (`{ "<name | @scope/* | *>": [publicKey] }`):
 * each plugin must be signed by a key of the pattern that covers its own
 * name (authorPatternOf: exact name, then scope, then `*`); a name no
 * pattern covers passes. The host applies it to every plugin of a load plan,
 * dependencies included, so a dependency of a covered plugin meets the
 * policy of its own name. A dependency that no pattern covers is vouched
 * for only by the signed `dependencies` of the plugin that needs it (its
 * name and range, not its code): add `*` to require signatures of all.
 */
export function createAuthorCheck(authorKeys: Readonly<Record<string, readonly TrustedKeyInput[]>>): AuthorCheck {
  const normalized = new Map<string, ReturnType<typeof normalizeKeys>>();
  return async (name, version, entry) => {
    const pattern = authorPatternOf(authorKeys, name);
    if (pattern === undefined) return;
    let keys = normalized.get(pattern);
    if (!keys) normalized.set(pattern, (keys = normalizeKeys(authorKeys[pattern]!)));
    await checkAuthorSignatures(name, version, entry, await keys);
  };
}

/** Creates the guard of the registry at `registryUrl`; `fetchKeys` reads its keys envelopes. */
export function createTrustGuard(registryUrl: string, options: TrustOptions, fetchKeys: KeysFetcher): TrustGuard {
  const store = options.store ?? createMemoryTrustStore();
  const now = options.now ?? (() => Date.now());
  const minThreshold = options.threshold ?? 1;
  let configured: Promise<TrustedKeySet> | undefined;
  let state: Promise<TrustedKeySet> | undefined;
  let rotating: Promise<TrustedKeySet> | undefined;
  const keysUrl = `${registryUrl}/v1/keys`;

  /** The set of the configured trustedKeys and threshold (keys version 0). */
  function base(): Promise<TrustedKeySet> {
    configured ??= (async () => {
      if (!Number.isSafeInteger(minThreshold) || minThreshold < 1) throw new SignatureError(`threshold must be a positive integer, got ${minThreshold}`);
      const keys = await normalizeKeys(options.trustedKeys);
      if (keys.length < minThreshold) throw new SignatureError(`threshold ${minThreshold} needs at least that many trustedKeys, got ${keys.length}`);
      const anchor = `${minThreshold}:${keys.map((key) => key.keyid).sort().join(',')}`;
      return { keys, threshold: minThreshold, keysVersion: 0, anchor, chain: [], ...(options.registryId ? { registry: options.registryId } : {}) };
    })();
    configured.catch(() => (configured = undefined));
    return configured;
  }

  /**
   * The set the store's chain leads to, verified from the configured keys
   * now (replayKeyChain); the configured set itself when the store holds no
   * chain of this configuration or one that does not verify throughout.
   */
  async function fromStore(start: TrustedKeySet): Promise<TrustedKeySet> {
    const stored = await store.getKeyChain(registryUrl);
    if (!stored || stored.anchor !== start.anchor) return start;
    const registry = options.registryId ?? stored.registry;
    try {
      const pinned = registry !== undefined ? { ...start, registry } : start;
      return await replayKeyChain(pinned, stored.envelopes, { registry, minThreshold }, keysUrl);
    } catch {
      return start;
    }
  }

  function trusted(): Promise<TrustedKeySet> {
    state ??= base().then(fromStore);
    state.catch(() => (state = undefined));
    return state;
  }

  /**
   * Stores the chain of `next`, unless the store already holds a chain of
   * the same configuration that verifies to a later keys version (another
   * host on the store moved on): the key set never goes back, and this guard
   * adopts the stored one. A chain longer than MAX_KEY_CHAIN_LINKS is kept
   * in memory only.
   */
  async function save(next: TrustedKeySet): Promise<TrustedKeySet> {
    const stored = await fromStore(await base());
    const kept = stored.keysVersion > next.keysVersion ? stored : undefined;
    if (kept === undefined && next.chain.length <= MAX_KEY_CHAIN_LINKS) {
      await store.putKeyChain(registryUrl, { anchor: next.anchor, ...(next.registry !== undefined ? { registry: next.registry } : {}), envelopes: next.chain });
    }
    const current = kept ?? next;
    state = Promise.resolve(current);
    return current;
  }

  /** Follows the key chain once at a time; concurrent callers share the walk. */
  function rotate(current: TrustedKeySet): Promise<TrustedKeySet> {
    const init = { current, fetchKeys, registry: options.registryId ?? current.registry, minThreshold, url: keysUrl, now: now() };
    rotating ??= followKeyChain(init)
      .then((next) => (next === current ? current : save(next)))
      .finally(() => (rotating = undefined));
    return rotating;
  }

  async function open<P extends Payload>(envelope: Envelope | undefined, expect: { payloadType: string; type: P['type']; name?: string; url: string; offline?: boolean }): Promise<P> {
    const details = { url: expect.url, ...(expect.name !== undefined ? { plugin: expect.name } : {}) };
    const attempt = (set: TrustedKeySet) =>
      openEnvelope<P>(envelope, {
        payloadType: expect.payloadType,
        type: expect.type,
        registry: options.registryId ?? set.registry,
        ...(expect.name !== undefined ? { name: expect.name } : {}),
        keys: set.keys,
        threshold: set.threshold,
        now: now(),
        details,
      });
    let set = await trusted();
    let payload: P;
    try {
      payload = await attempt(set);
    } catch (error) {
      if (!isSignatureError(error) || expect.offline || !envelope || !hasUnknownSigner(envelope, set.keys)) throw error;
      let rotated: TrustedKeySet;
      try {
        rotated = await rotate(set);
      } catch (chain) {
        // A correctly signed but expired keys answer, or an older one than trusted, keeps its own error.
        if (isExpiredError(chain) || isRollbackError(chain)) throw chain;
        throw new SignatureError(`${error.message}; following the registry's key rotation failed: ${(chain as Error).message}`, { ...details, cause: chain });
      }
      if (rotated === set) throw error;
      set = rotated;
      payload = await attempt(set);
    }
    if (set.registry === undefined) await save({ ...set, registry: payload.registry });
    const key = expect.type === 'document' ? `document ${expect.name}` : expect.type;
    // Versions seen are read from the store as they are: a writer of the store can raise one (the host then
    // refuses) or lower it (re-opening the replay of metadata the trusted keys did sign, until it expires),
    // but never get the host to accept what they did not sign, let alone run code of its own.
    const seen = await store.getVersion(payload.registry, key);
    if (seen !== undefined && payload.version < seen) {
      const what = expect.name ?? expect.type;
      throw new RollbackError(`${what} (${expect.url}): signed version ${payload.version} is older than version ${seen} already seen (rollback)`, seen, payload.version, details);
    }
    await store.raiseVersion(payload.registry, key, payload.version);
    return payload;
  }

  return {
    document: (name, envelope, where) =>
      open<DocumentPayload>(envelope, { payloadType: DOCUMENT_PAYLOAD_TYPE, type: 'document', name, ...where }),
    list: (envelope, url) => open<ListPayload>(envelope, { payloadType: LIST_PAYLOAD_TYPE, type: 'list', url }),
  };
}
