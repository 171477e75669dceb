/**
 * Key rotation (docs/design.md, "Trust", Rotation): when a document is signed by
 * keys the host does not know, the host fetches the newest keys envelope
 * (`GET /v1/keys`). If its current trusted set verifies it, its keys become
 * the trusted set; otherwise the host walks `/v1/keys/:version` from the
 * version after the one it knows, each step verified by the set trusted
 * before it, up to the newest. Any step that does not verify, names another
 * registry, or skips a version breaks the chain: a SignatureError, and the
 * trusted set stays as it was. The newest keys envelope must not have
 * expired (ExpiredError: a frozen keys answer is refused like a frozen
 * document); the versions walked through on the way are superseded by it, so
 * only their signatures count (as in TUF's root chain). A newest keys version
 * lower than the one already trusted is a RollbackError; a walk of more than
 * MAX_KEY_CHAIN_WALK versions is refused.
 *
 * The envelopes a set was reached through are its `chain`; that chain is
 * what a TrustStore keeps, and `replayKeyChain` verifies it again from the
 * configured keys whenever it is read, so stored data never adds a key, and
 * refuses it when its last link has expired, so a stored chain cut back to
 * an earlier link holds only until that link expires. A link that announces
 * the keys and threshold it was signed by (a renewal) replaces the link
 * before it when that one was a renewal too: a chain grows with rotations,
 * not with renewals.
 */
import { RollbackError, SignatureError, isExpiredError, isPlughubError } from '../errors/index.js';
import type { StoredKeyChain } from '../ports.js';
import { KEYS_PAYLOAD_TYPE, isEnvelope, type Envelope, type KeysPayload, type PublicKeyEntry } from './envelope.js';
import { normalizeKeys, openEnvelope } from './verify.js';

/** The most keys envelopes a stored chain may hold; a longer rotation stays in memory and is walked again after a restart. */
export const MAX_KEY_CHAIN_LINKS = 256;
/**
 * The most keys versions one walk fetches (a plughub registry renews its
 * keys envelope as a new version about once a week: some ten years). A
 * registry that claims to be further ahead is refused rather than walked.
 */
export const MAX_KEY_CHAIN_WALK = 512;

/** The registry keys a host trusts for one registry URL, as rotation has moved them. */
export interface TrustedKeySet {
  keys: PublicKeyEntry[];
  /** How many distinct keys of `keys` must sign a document. */
  threshold: number;
  /** The keys document version these came from; 0 for the keys the host was configured with. */
  keysVersion: number;
  /** Fingerprint of the configured trustedKeys and threshold this set descends from (a new configuration starts over). */
  anchor: string;
  /** The registry identity pinned at the first verified document, when the host did not name one. */
  registry?: string;
  /** The keys envelopes that led from the configured keys to these, oldest first. */
  chain: Envelope[];
  /** The keys and threshold that verified the last link of `chain` (absent for the configured set). */
  previous?: { keys: PublicKeyEntry[]; threshold: number };
}

/** Fetches the newest keys envelope (`version` undefined) or a given keys version, as parsed JSON. */
export type KeysFetcher = (version?: number) => Promise<unknown>;

/** What verifying one link of a key chain needs. */
export interface LinkRules {
  /** The registry identity the keys documents must name, when known. */
  registry: string | undefined;
  /** The smallest threshold the host accepts, whatever a keys document says. */
  minThreshold: number;
}

/** What a rotation walk needs. */
export interface ChainInit extends LinkRules {
  current: TrustedKeySet;
  fetchKeys: KeysFetcher;
  /** Where the newest keys envelope lives, for messages. */
  url: string;
  /** Epoch ms the newest keys envelope's `expires` is compared with (undefined: not checked). */
  now?: number | undefined;
}

/** Reads `version` out of a keys envelope without trusting it (only to bound the walk). */
function claimedVersion(envelope: unknown): number | undefined {
  try {
    const payload = JSON.parse((envelope as { payload: string }).payload) as { version?: unknown };
    return Number.isSafeInteger(payload.version) ? (payload.version as number) : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies one keys envelope with `trusted` and returns the set it announces, the envelope added to its chain. */
async function step(envelope: unknown, trusted: TrustedKeySet, init: LinkRules, url: string, now?: number): Promise<TrustedKeySet> {
  const payload = await openEnvelope<KeysPayload>(envelope, {
    payloadType: KEYS_PAYLOAD_TYPE,
    type: 'keys',
    registry: init.registry,
    keys: trusted.keys,
    threshold: trusted.threshold,
    now,
    details: { url },
  });
  if (!Array.isArray(payload.keys) || payload.keys.length === 0) throw new SignatureError(`keys version ${payload.version} (${url}) lists no key`, { url });
  const keys = await normalizeKeys(payload.keys);
  const threshold = Math.max(init.minThreshold, Number.isSafeInteger(payload.threshold) ? payload.threshold : 1);
  if (threshold > keys.length)
    throw new SignatureError(`keys version ${payload.version} (${url}) needs ${threshold} signatures from ${keys.length} key(s)`, { url });
  const next = { keys, threshold };
  // A renewal after a renewal: the last link added nothing the one before it did not say, and the
  // keys that signed this link are the keys that signed the last one, so this link takes its place.
  const renewal = trusted.previous !== undefined && sameKeySet(next, trusted) && sameKeySet(trusted, trusted.previous);
  const chain = renewal ? [...trusted.chain.slice(0, -1), envelope as Envelope] : [...trusted.chain, envelope as Envelope];
  const previous = renewal ? trusted.previous! : { keys: trusted.keys, threshold: trusted.threshold };
  return { ...trusted, keys, threshold, keysVersion: payload.version, registry: trusted.registry ?? payload.registry, chain, previous };
}

/** Whether two key sets hold the same keyids and threshold. */
function sameKeySet(a: { keys: readonly PublicKeyEntry[]; threshold: number }, b: { keys: readonly PublicKeyEntry[]; threshold: number }): boolean {
  if (a.threshold !== b.threshold || a.keys.length !== b.keys.length) return false;
  return a.keys.every((key) => b.keys.some((other) => other.keyid === key.keyid));
}

/**
 * Verifies a stored chain again from `configured` (the set of the host's
 * own trustedKeys): each envelope must be signed by the set trusted before
 * it, name the pinned registry and raise the keys version. With `now`, the
 * last envelope must not have expired (the links before it are superseded
 * by it, so only their signatures count): a chain cut back to a link the
 * registry has since replaced is refused once that link expires. Resolves
 * with the set the chain leads to; throws a SignatureError at the first
 * link that does not verify, an ExpiredError for an expired last link.
 */
export async function replayKeyChain(
  configured: TrustedKeySet,
  envelopes: readonly unknown[],
  rules: LinkRules,
  url: string,
  now?: number,
): Promise<TrustedKeySet> {
  if (envelopes.length > MAX_KEY_CHAIN_LINKS)
    throw new SignatureError(`${url}: a stored key chain of ${envelopes.length} links is longer than ${MAX_KEY_CHAIN_LINKS}`, { url });
  let trusted = configured;
  for (const [index, envelope] of envelopes.entries()) {
    const next = await step(envelope, trusted, rules, url, index === envelopes.length - 1 ? now : undefined);
    if (next.keysVersion <= trusted.keysVersion) {
      throw new SignatureError(`${url}: stored keys version ${next.keysVersion} does not follow keys version ${trusted.keysVersion}`, { url });
    }
    trusted = next;
  }
  return trusted;
}

/**
 * Reads a TrustStore's stored key chain back (as parsed from JSON or
 * IndexedDB): the chain when it has the shape of one, else undefined, so
 * that a damaged record counts as absent. The envelopes are still unverified.
 */
export function decodeStoredKeyChain(value: unknown): StoredKeyChain | undefined {
  const raw = value as Partial<StoredKeyChain> | null | undefined;
  if (typeof raw !== 'object' || raw === null || typeof raw.anchor !== 'string' || !Array.isArray(raw.envelopes)) return undefined;
  if (raw.envelopes.length > MAX_KEY_CHAIN_LINKS || !raw.envelopes.every(isEnvelope)) return undefined;
  if (raw.registry !== undefined && typeof raw.registry !== 'string') return undefined;
  const envelopes = raw.envelopes.map(({ payloadType, payload, signatures }) => ({
    payloadType,
    payload,
    signatures: Array.isArray(signatures) ? signatures : [],
  }));
  return { anchor: raw.anchor, ...(raw.registry !== undefined ? { registry: raw.registry } : {}), envelopes };
}

/**
 * Moves `init.current` along the registry's key chain to its newest keys
 * version. Resolves with the new set, or with `current` when the registry
 * has the version already trusted; rejects with a SignatureError when the
 * chain is broken, an ExpiredError when the newest keys envelope (correctly
 * signed) has expired, and a RollbackError when the registry's newest keys
 * version is lower than the one trusted.
 */
export async function followKeyChain(init: ChainInit): Promise<TrustedKeySet> {
  const { current } = init;
  let newest: unknown;
  try {
    newest = await init.fetchKeys();
  } catch (error) {
    throw new SignatureError(`the registry's keys could not be fetched from ${init.url} (${describe(error)})`, { url: init.url, cause: error });
  }
  const target = claimedVersion(newest);
  if (target === undefined) throw new SignatureError(`${init.url}: the keys answer is not a signed keys document`, { url: init.url });
  if (target < current.keysVersion) {
    throw new RollbackError(
      `${init.url}: the registry's newest keys version is ${target}, older than keys version ${current.keysVersion} already trusted (rollback)`,
      current.keysVersion,
      target,
      { url: init.url },
    );
  }
  if (target === current.keysVersion) return current;
  try {
    return await step(newest, current, init, init.url, init.now);
  } catch (error) {
    // Signed by the keys trusted now, but expired: no walk can make it younger.
    if (isExpiredError(error)) throw error;
    // Not signed by the keys trusted now: walk the chain one version at a time.
  }
  if (target - current.keysVersion > MAX_KEY_CHAIN_WALK) {
    throw new SignatureError(
      `${init.url}: the registry's newest keys version ${target} is more than ${MAX_KEY_CHAIN_WALK} versions past keys version ${current.keysVersion} trusted, and not signed by the keys trusted now; configure the registry's current keys in trustedKeys`,
      { url: init.url },
    );
  }
  let trusted = current;
  for (let version = current.keysVersion + 1; version <= target; version += 1) {
    const url = `${init.url}/${version}`;
    try {
      const envelope = version === target ? newest : await init.fetchKeys(version);
      const next = await step(envelope, trusted, init, version === target ? init.url : url, version === target ? init.now : undefined);
      if (next.keysVersion !== version) throw new SignatureError(`${url} holds keys version ${next.keysVersion}`, { url });
      trusted = next;
    } catch (error) {
      if (isExpiredError(error)) throw error;
      throw new SignatureError(`key rotation chain broken at keys version ${version} (trusted keys version ${trusted.keysVersion}): ${describe(error)}`, {
        url,
        cause: error,
      });
    }
  }
  return trusted;
}

function describe(error: unknown): string {
  if (isPlughubError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
