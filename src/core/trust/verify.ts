/**
 * Verification of signed registry metadata (docs/design.md, "Trust"): counts the
 * distinct trusted keys whose Ed25519 signature over the envelope's signature
 * input verifies, refuses an envelope below the threshold, parses the payload
 * and refuses one of another `type`, `registry` or `name` (mix-and-match) or
 * past its `expires`. Rollback is checked by the caller (trust-guard.ts),
 * which knows what was seen before. Signatures are checked by
 * verifyEd25519 (ed25519.ts): crypto.subtle, or @noble/ed25519 where a
 * browser lacks Ed25519.
 */
import { ExpiredError, SignatureError, type ErrorDetails } from '../errors/index.js';
import { verifyEd25519 } from './ed25519.js';
import {
  authorSignatureInput,
  legacyAuthorSignatureInput,
  base64ToBytes,
  isEnvelope,
  keyIdOf,
  signatureInput,
  type Envelope,
  type EnvelopeSignature,
  type Payload,
  type PublicKeyEntry,
} from './envelope.js';

/** A trusted key as a host configures it: base64 of the raw 32-byte public key, or that with its keyid. */
export type TrustedKeyInput = string | { keyid?: string; publicKey: string };

/** What an envelope must be to be accepted. */
export interface EnvelopeExpectation {
  payloadType: string;
  type: Payload['type'];
  /** The registry identity it must name; undefined accepts any (the caller pins it). */
  registry?: string | undefined;
  /** For documents: the plugin asked for. */
  name?: string;
  keys: readonly PublicKeyEntry[];
  threshold: number;
  /** Epoch ms to compare `expires` with; undefined skips the expiry check. */
  now?: number | undefined;
  /** What the error messages name (URL, plugin). */
  details: ErrorDetails;
}

/**
 * Turns configured keys into `{ keyid, publicKey }`, computing each keyid and
 * refusing a key that is not 32 bytes of base64 or whose given keyid is not its own.
 */
export async function normalizeKeys(input: readonly TrustedKeyInput[]): Promise<PublicKeyEntry[]> {
  const out: PublicKeyEntry[] = [];
  for (const item of input) {
    const given = typeof item === 'string' ? { publicKey: item } : item;
    if (typeof given !== 'object' || given === null || typeof given.publicKey !== 'string') {
      throw new SignatureError(`trusted key ${describeValue(given)} is neither a base64 string nor { keyid, publicKey }`);
    }
    let raw: Uint8Array;
    try {
      raw = base64ToBytes(given.publicKey);
    } catch (error) {
      throw new SignatureError(`trusted key ${describeValue(given.publicKey)} is not base64`, { cause: error });
    }
    if (raw.byteLength !== 32)
      throw new SignatureError(`trusted key ${describeValue(given.publicKey)} is ${raw.byteLength} bytes, not a raw 32-byte Ed25519 key`);
    const keyid = await keyIdOf(raw);
    if (given.keyid !== undefined && given.keyid !== keyid) {
      throw new SignatureError(`trusted key ${describeValue(given.publicKey)} has keyid ${keyid}, not ${describeValue(given.keyid)}`);
    }
    if (!out.some((key) => key.keyid === keyid)) out.push({ keyid, publicKey: given.publicKey });
  }
  return out;
}

/** A short description of a value from a configuration or a keys document, for messages. */
function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value !== 'string') return String(value);
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/** True when `sig` is a valid Ed25519 signature of `input` by `key`; a malformed signature is simply invalid. */
async function verifies(key: PublicKeyEntry, sig: string, input: Uint8Array): Promise<boolean> {
  try {
    return await verifyEd25519(base64ToBytes(key.publicKey), base64ToBytes(sig), input);
  } catch {
    return false;
  }
}

/**
 * At most this many signatures of one envelope are examined (each may cost
 * an Ed25519 verification); the rest are ignored, so a hostile registry or
 * stored chain cannot make a host verify thousands.
 */
export const MAX_ENVELOPE_SIGNATURES = 16;

/** The keyids of `keys` with a valid signature among the first MAX_ENVELOPE_SIGNATURES of `signatures` over `input` (each key counted once). */
async function validSigners(signatures: readonly EnvelopeSignature[], keys: readonly PublicKeyEntry[], input: Uint8Array): Promise<Set<string>> {
  const signers = new Set<string>();
  for (const signature of signatures.slice(0, MAX_ENVELOPE_SIGNATURES)) {
    if (typeof signature?.keyid !== 'string' || typeof signature.sig !== 'string' || signers.has(signature.keyid)) continue;
    const key = keys.find((candidate) => candidate.keyid === signature.keyid);
    if (key && (await verifies(key, signature.sig, input))) signers.add(key.keyid);
  }
  return signers;
}

/** Where an error happened, for messages: `hello (https://…)` or just the URL. */
function describeWhere(details: ErrorDetails): string {
  const what = details.plugin ?? 'registry metadata';
  return details.url ? `${what} (${details.url})` : what;
}

/** True when the envelope is signed, among its examined signatures, by at least one key not in `keys` (a rotation may explain it). */
export function hasUnknownSigner(envelope: Envelope, keys: readonly PublicKeyEntry[]): boolean {
  const signatures = Array.isArray(envelope.signatures) ? envelope.signatures.slice(0, MAX_ENVELOPE_SIGNATURES) : [];
  return signatures.some((s) => typeof s?.keyid === 'string' && !keys.some((k) => k.keyid === s.keyid));
}

/**
 * Checks the signatures of `envelope` against the threshold; throws a
 * SignatureError saying what is wrong (no envelope, no signature, no trusted
 * signer, a trusted signer whose signature does not verify, too few).
 */
export async function checkSignatures(
  envelope: unknown,
  expect: Pick<EnvelopeExpectation, 'payloadType' | 'keys' | 'threshold' | 'details'>,
): Promise<Envelope> {
  const where = describeWhere(expect.details);
  if (!isEnvelope(envelope)) throw new SignatureError(`${where}: the registry answered unsigned metadata, and this host requires signatures`, expect.details);
  if (envelope.payloadType !== expect.payloadType) {
    throw new SignatureError(`${where}: payload type ${envelope.payloadType} where ${expect.payloadType} was expected`, expect.details);
  }
  const signatures = Array.isArray(envelope.signatures) ? envelope.signatures.slice(0, MAX_ENVELOPE_SIGNATURES) : [];
  if (signatures.length === 0) throw new SignatureError(`${where}: the envelope carries no signature`, expect.details);
  const signers = await validSigners(signatures, expect.keys, signatureInput(envelope.payloadType, envelope.payload));
  if (signers.size >= expect.threshold) return envelope;
  const trusted = signatures.filter((s) => expect.keys.some((k) => k.keyid === s?.keyid)).length;
  const why =
    trusted === 0
      ? `signed by no trusted key (signers: ${signatures.map((s) => String(s?.keyid).slice(0, 16)).join(', ')})`
      : signers.size === 0
        ? 'no signature verifies (the payload or signature was altered)'
        : `${signers.size} valid trusted signature(s), ${expect.threshold} required`;
  throw new SignatureError(`${where}: ${why}`, expect.details);
}

/**
 * Verifies an envelope completely except for rollback: signatures and
 * threshold, payload JSON, `type`, `registry`, `name`, `version` and
 * `expires`. Returns the payload.
 */
export async function openEnvelope<P extends Payload>(envelope: unknown, expect: EnvelopeExpectation): Promise<P> {
  const checked = await checkSignatures(envelope, expect);
  const where = describeWhere(expect.details);
  let payload: Partial<Payload> & Record<string, unknown>;
  try {
    payload = JSON.parse(checked.payload) as typeof payload;
  } catch (error) {
    throw new SignatureError(`${where}: the signed payload is not JSON`, { ...expect.details, cause: error });
  }
  if (typeof payload !== 'object' || payload === null) throw new SignatureError(`${where}: the signed payload is not an object`, expect.details);
  if (payload.type !== expect.type) {
    throw new SignatureError(
      `${where}: signed payload is of type ${JSON.stringify(payload.type)}, not ${JSON.stringify(expect.type)} (mix-and-match)`,
      expect.details,
    );
  }
  if (typeof payload.registry !== 'string' || (expect.registry !== undefined && payload.registry !== expect.registry)) {
    throw new SignatureError(
      `${where}: signed by registry ${JSON.stringify(payload.registry)}, not ${JSON.stringify(expect.registry)} (mix-and-match)`,
      expect.details,
    );
  }
  if (expect.name !== undefined && payload.name !== expect.name) {
    throw new SignatureError(
      `${where}: the signed payload is the document of ${JSON.stringify(payload.name)}, not ${JSON.stringify(expect.name)} (mix-and-match)`,
      expect.details,
    );
  }
  if (!Number.isSafeInteger(payload.version) || (payload.version as number) < 0) {
    throw new SignatureError(`${where}: the signed payload has no valid version`, expect.details);
  }
  const expires = typeof payload.expires === 'string' ? Date.parse(payload.expires) : Number.NaN;
  if (Number.isNaN(expires)) throw new SignatureError(`${where}: the signed payload has no valid expires time`, expect.details);
  if (expect.now !== undefined && expires <= expect.now) {
    throw new ExpiredError(`${where}: signed metadata expired at ${payload.expires} (version ${payload.version})`, String(payload.expires), expect.details);
  }
  return payload as P;
}

/** At most this many author signatures of a version entry are looked at (each may cost a verification). */
export const MAX_AUTHOR_SIGNATURES = MAX_ENVELOPE_SIGNATURES;

/** A version entry as far as author signatures are concerned: its manifest as published, integrity and signatures. */
export interface AuthorSignedEntry {
  manifest: unknown;
  dist: { integrity: string };
  authorSignatures?: unknown;
}

/** The names of the dependencies a published manifest declares. */
function dependencyNames(manifest: unknown): string[] {
  const dependencies = typeof manifest === 'object' && manifest !== null ? (manifest as { dependencies?: unknown }).dependencies : undefined;
  return typeof dependencies === 'object' && dependencies !== null ? Object.keys(dependencies) : [];
}

/**
 * Checks the author signatures of a version entry: at least one of `keys`
 * must have signed, in version 2 (envelope.ts authorSignatureInput), the
 * name, version, integrity and the manifest's `dependencies` and `engines`
 * as published. A version 1 signature (name, version and integrity only)
 * still counts for a version without dependencies, and is refused for one
 * with dependencies: the registry could have added them. Throws a
 * SignatureError saying which.
 */
export async function checkAuthorSignatures(name: string, version: string, entry: AuthorSignedEntry, keys: readonly PublicKeyEntry[]): Promise<void> {
  const details = { plugin: name, version };
  const all = Array.isArray(entry.authorSignatures) ? (entry.authorSignatures as EnvelopeSignature[]) : [];
  if (all.length === 0) throw new SignatureError(`${name}@${version}: this host requires an author signature, and the version has none`, details);
  const signatures = all.slice(0, MAX_AUTHOR_SIGNATURES);
  let input: Uint8Array;
  try {
    input = authorSignatureInput(name, version, entry.dist.integrity, entry.manifest);
  } catch (error) {
    throw new SignatureError(`${name}@${version}: the manifest's signed fields cannot be read: ${(error as Error).message}`, { ...details, cause: error });
  }
  if ((await validSigners(signatures, keys, input)).size > 0) return;
  if ((await validSigners(signatures, keys, legacyAuthorSignatureInput(name, version, entry.dist.integrity))).size > 0) {
    const dependencies = dependencyNames(entry.manifest);
    if (dependencies.length === 0) return;
    throw new SignatureError(
      `${name}@${version}: the author signature is of version 1, which does not cover the manifest, and the version declares dependencies (${dependencies.join(', ')}); the author must publish a version signed with version 2 (plughub publish --sign-key)`,
      details,
    );
  }
  throw new SignatureError(
    `${name}@${version}: no author signature by a key this host requires for ${name} verifies over its name, version, integrity ${entry.dist.integrity}, dependencies and engines`,
    details,
  );
}
