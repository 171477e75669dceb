/**
 * Signed registry metadata: the envelope format and Ed25519 signing,
 * canonical JSON, signature checks, key chains (rotation), author
 * signatures, the in-memory trust store and the guard a host runs every
 * signed answer through. On the load path it owns verify for metadata:
 * documents and lists are checked here before resolve trusts them (the
 * bundle's bytes are verified by their integrity, ../integrity.ts).
 */
export {
  AUTHOR_SIGNED_FIELDS,
  authorSignatureInput,
  base64ToBytes,
  DOCUMENT_PAYLOAD_TYPE,
  ENVELOPE_MEDIA_TYPE,
  generateSigningKey,
  importPublicKey,
  importSigningKey,
  isEnvelope,
  keyIdOf,
  KEYS_PAYLOAD_TYPE,
  legacyAuthorSignatureInput,
  LIST_PAYLOAD_TYPE,
  signatureInput,
  signBytes,
  signedManifestFields,
  signEnvelope,
  type DocumentPayload,
  type Envelope,
  type EnvelopeSignature,
  type GeneratedSigningKey,
  type KeysPayload,
  type ListPayload,
  type Payload,
  type PayloadBase,
  type PayloadType,
  type PublicKeyEntry,
  type SigningKey,
} from './envelope.js';
export { canonicalJson } from './canonical-json.js';
export {
  checkAuthorSignatures,
  checkSignatures,
  MAX_ENVELOPE_SIGNATURES,
  normalizeKeys,
  openEnvelope,
  type AuthorSignedEntry,
  type EnvelopeExpectation,
  type TrustedKeyInput,
} from './verify.js';
export {
  decodeStoredKeyChain,
  followKeyChain,
  MAX_KEY_CHAIN_LINKS,
  MAX_KEY_CHAIN_WALK,
  replayKeyChain,
  type KeysFetcher,
  type TrustedKeySet,
} from './key-chain.js';
export { authorPatternOf, createAuthorCheck, createTrustGuard, type AuthorCheck, type TrustGuard, type TrustOptions } from './trust-guard.js';
export { createMemoryTrustStore } from './memory-trust-store.js';
