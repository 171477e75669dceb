/**
 * The host's side of signed registry metadata: one guard per registry URL
 * holds the trusted key set (from HostOptions, moved along the key chain by
 * rotation) and checks every document before the host acts on it —
 * signatures and threshold, type, registry identity and name
 * (mix-and-match), expiry, and rollback against the highest version seen,
 * which it then records. `createAuthorCheck` (author-check.ts, re-exported
 * here) checks author signatures where `authorKeys` requires them.
 *
 * What is trusted always derives from the configured `trustedKeys`: the
 * TrustStore keeps the rotation as the chain of keys envelopes it followed,
 * and the guard verifies that chain again from the configured keys each
 * time it reads it; a chain that does not verify is ignored, and one whose
 * last link has expired is not trusted. The store also keeps the highest
 * keys version seen for the registry URL: a stored chain that ends below it
 * was cut back. Online, before it trusts a document or list by a stored
 * chain, the guard asks the registry once for its newest keys (`/v1/keys`)
 * and moves on to them, walking again from the configured keys when the
 * stored chain expired or was cut back; offline (or when `/v1/keys` cannot
 * be fetched, asked again on the next document) it refuses such a chain
 * (ExpiredError, RollbackError) rather than trust it.
 *
 * A writer of the store (a neighbour who can write the cache directory or
 * the origin's IndexedDB) therefore never adds a key. What they can do: cut
 * the chain back to a key the registry has since retired and lower the keys
 * version seen too, which makes an offline host trust that key until the
 * last stored link expires (a plughub registry signs keys for 7 days); empty
 * the store, which brings the host back to its configured keys as a first
 * start would (configure the registry's current keys); raise or lower the
 * versions seen (refusals, or the replay of metadata the trusted keys
 * signed, until it expires). The pinned registry identity is kept next to
 * the chain unsigned when no keys envelope names it: a writer can change it
 * only to an identity whose documents the trusted keys sign (set
 * `registryId` to pin it independently of the store).
 */
import { ExpiredError, RollbackError, SignatureError, isExpiredError, isRegistryError, isRollbackError, isSignatureError } from '../errors/index.js';
import type { TrustStore } from '../ports.js';
import { DOCUMENT_PAYLOAD_TYPE, LIST_PAYLOAD_TYPE, type DocumentPayload, type Envelope, type ListPayload, type Payload } from './envelope.js';
import { MAX_KEY_CHAIN_LINKS, followKeyChain, replayKeyChain, type KeysFetcher, type TrustedKeySet } from './key-chain.js';
import { createMemoryTrustStore } from './memory-trust-store.js';
import { hasUnknownSigner, normalizeKeys, openEnvelope, type TrustedKeyInput } from './verify.js';

export { authorPatternOf, createAuthorCheck, type AuthorCheck } from './author-check.js';

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

/** The TrustStore key under which the highest keys version seen is kept, per registry URL. */
export const KEYS_SEEN_KEY = 'keys';

/** The stored key chain as read now: the set it leads to and, when it must not be trusted as it is, why. */
interface StoredTrust {
  set: TrustedKeySet;
  /** The stored chain's last link expired, or the chain ends below the keys version seen. */
  refusal?: ExpiredError | RollbackError;
  /** The highest keys version seen for the registry URL. */
  seen?: number;
}

/** True for a failure to fetch the registry's keys at all (network, or a 5xx answer), as opposed to keys that do not verify. */
function keysUnreachable(error: unknown): boolean {
  const cause = isSignatureError(error) ? (error as { cause?: unknown }).cause : undefined;
  return isRegistryError(cause) && (cause.unreachable || (cause.status !== undefined && cause.status >= 500));
}

/** Creates the guard of the registry at `registryUrl`; `fetchKeys` reads its keys envelopes. */
export function createTrustGuard(registryUrl: string, options: TrustOptions, fetchKeys: KeysFetcher): TrustGuard {
  const store = options.store ?? createMemoryTrustStore();
  const now = options.now ?? (() => Date.now());
  const minThreshold = options.threshold ?? 1;
  let configured: Promise<TrustedKeySet> | undefined;
  /** The set in use: confirmed with the registry, or read from the store for offline use. */
  let state: Promise<TrustedKeySet> | undefined;
  /** Whether the set in use was confirmed online in this guard's lifetime (asked of the registry, or nothing stored to ask about). */
  let confirmed = false;
  let confirming: Promise<TrustedKeySet> | undefined;
  let rotating: Promise<TrustedKeySet> | undefined;
  const keysUrl = `${registryUrl}/v1/keys`;

  /** The set of the configured trustedKeys and threshold (keys version 0). */
  function base(): Promise<TrustedKeySet> {
    configured ??= (async () => {
      if (!Number.isSafeInteger(minThreshold) || minThreshold < 1) throw new SignatureError(`threshold must be a positive integer, got ${minThreshold}`);
      const keys = await normalizeKeys(options.trustedKeys);
      if (keys.length < minThreshold) throw new SignatureError(`threshold ${minThreshold} needs at least that many trustedKeys, got ${keys.length}`);
      const anchor = `${minThreshold}:${keys
        .map((key) => key.keyid)
        .sort()
        .join(',')}`;
      return { keys, threshold: minThreshold, keysVersion: 0, anchor, chain: [], ...(options.registryId ? { registry: options.registryId } : {}) };
    })();
    configured.catch(() => (configured = undefined));
    return configured;
  }

  /**
   * The set the store's chain leads to, verified from the configured keys
   * now (replayKeyChain); the configured set itself when the store holds no
   * chain of this configuration, one that does not verify throughout, or
   * one whose last link expired (then with that refusal). A set below the
   * keys version seen comes with a RollbackError.
   */
  async function fromStore(start: TrustedKeySet): Promise<StoredTrust> {
    const stored = await store.getKeyChain(registryUrl);
    const seen = await store.getVersion(registryUrl, KEYS_SEEN_KEY);
    let set = start;
    if (stored && stored.anchor === start.anchor) {
      const registry = options.registryId ?? stored.registry;
      const pinned = registry !== undefined ? { ...start, registry } : start;
      try {
        set = await replayKeyChain(pinned, stored.envelopes, { registry, minThreshold }, keysUrl, now());
      } catch (error) {
        if (isExpiredError(error)) {
          const refusal = new ExpiredError(
            `${keysUrl}: the stored key chain ends at a keys version that expired at ${error.expires}; the registry must be asked for its newest keys (${error.message})`,
            error.expires,
            { url: keysUrl, cause: error },
          );
          return { set: pinned, refusal, ...(seen !== undefined ? { seen } : {}) };
        }
        set = start;
      }
    }
    if (seen === undefined) return { set };
    if (seen <= set.keysVersion) return { set, seen };
    const refusal = new RollbackError(
      `${keysUrl}: the stored key chain ends at keys version ${set.keysVersion}, below keys version ${seen} already seen (cut back); the registry must be asked for its newest keys`,
      seen,
      set.keysVersion,
      { url: keysUrl },
    );
    return { set, refusal, seen };
  }

  /** Records `keysVersion` as seen for the registry URL, unless a higher one is. */
  async function raiseKeysSeen(keysVersion: number, seen: number | undefined): Promise<void> {
    if (keysVersion > 0 && (seen === undefined || keysVersion > seen)) await store.raiseVersion(registryUrl, KEYS_SEEN_KEY, keysVersion);
  }

  /**
   * Asks the registry for its newest keys and moves on to them, when the
   * store holds a chain to trust or has seen a keys version: from the
   * stored chain, or from the configured keys when the stored chain expired
   * or was cut back. Rejects when the registry's keys cannot be fetched or
   * verified (SignatureError), have expired (ExpiredError) or are older than
   * the stored chain or the keys version seen (RollbackError).
   */
  async function confirm(): Promise<TrustedKeySet> {
    const { set, refusal, seen } = await fromStore(await base());
    // Only the configured keys, and nothing seen beyond them: no stored tail to confirm.
    if (!refusal && set.chain.length === 0) return set;
    const start = refusal ? { ...(await base()), ...(set.registry !== undefined ? { registry: set.registry } : {}) } : set;
    const next = await followKeyChain({ current: start, fetchKeys, registry: options.registryId ?? start.registry, minThreshold, url: keysUrl, now: now() });
    if (seen !== undefined && next.keysVersion < seen) {
      throw new RollbackError(
        `${keysUrl}: the registry's newest keys version is ${next.keysVersion}, older than keys version ${seen} already seen (rollback)`,
        seen,
        next.keysVersion,
        {
          url: keysUrl,
        },
      );
    }
    if (next !== set) return save(next);
    await raiseKeysSeen(next.keysVersion, seen);
    return next;
  }

  /**
   * The set to verify with. Online, the first call confirms the keys with
   * the registry (concurrent callers share it); until then, and offline,
   * the stored chain is used unless it must be refused.
   */
  function keySet(offline: boolean): Promise<TrustedKeySet> {
    if (confirmed && state) return state;
    if (offline) {
      state ??= base()
        .then(fromStore)
        .then(({ set, refusal }) => {
          if (refusal) throw refusal;
          return set;
        });
      state.catch(() => (state = undefined));
      return state;
    }
    confirming ??= confirm()
      .then((set) => {
        confirmed = true;
        state = Promise.resolve(set);
        return set;
      })
      // A registry that cannot answer for its keys now is treated as offline, and asked again next time.
      .catch((error: unknown) => {
        if (keysUnreachable(error)) return keySet(true);
        throw error;
      })
      .finally(() => (confirming = undefined));
    return confirming;
  }

  /**
   * Stores the chain of `next`, unless the store already holds a chain of
   * the same configuration that verifies to a later, unexpired keys version
   * (another host on the store moved on): the key set never goes back, and
   * this guard adopts the stored one. Raises the keys version seen. A chain
   * longer than MAX_KEY_CHAIN_LINKS is kept in memory only.
   */
  async function save(next: TrustedKeySet): Promise<TrustedKeySet> {
    const { set: stored, refusal, seen } = await fromStore(await base());
    const kept = !refusal && stored.keysVersion > next.keysVersion ? stored : undefined;
    if (kept === undefined && next.chain.length <= MAX_KEY_CHAIN_LINKS) {
      await store.putKeyChain(registryUrl, { anchor: next.anchor, ...(next.registry !== undefined ? { registry: next.registry } : {}), envelopes: next.chain });
    }
    const current = kept ?? next;
    await raiseKeysSeen(current.keysVersion, seen);
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

  async function open<P extends Payload>(
    envelope: Envelope | undefined,
    expect: { payloadType: string; type: P['type']; name?: string; url: string; offline?: boolean },
  ): Promise<P> {
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
    let set = await keySet(expect.offline ?? false);
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
      throw new RollbackError(
        `${what} (${expect.url}): signed version ${payload.version} is older than version ${seen} already seen (rollback)`,
        seen,
        payload.version,
        details,
      );
    }
    await store.raiseVersion(payload.registry, key, payload.version);
    return payload;
  }

  return {
    document: (name, envelope, where) => open<DocumentPayload>(envelope, { payloadType: DOCUMENT_PAYLOAD_TYPE, type: 'document', name, ...where }),
    list: (envelope, url) => open<ListPayload>(envelope, { payloadType: LIST_PAYLOAD_TYPE, type: 'list', url }),
  };
}
