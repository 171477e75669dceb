/**
 * Signed registry metadata: the envelope format, its payload types, the exact
 * byte strings that signatures cover, and Ed25519 signing with web-standard
 * `crypto.subtle` only (Node 20 and current browsers). Shared by the registry
 * server (which signs) and hosts (which verify, through ed25519.ts, which
 * falls back to @noble/ed25519 where a browser lacks crypto.subtle Ed25519);
 * see docs/design.md "Trust".
 *
 * @example
 * const key = await generateSigningKey();
 * const privateKey = await importSigningKey(key.privateKeyPkcs8);
 * const envelope = await signEnvelope(DOCUMENT_PAYLOAD_TYPE, payload, [{ keyid: key.keyid, privateKey }]);
 */
import { base64ToBytes, bytesToBase64 } from '../base64.js';
import { bytesToHex } from '../hex.js';
import type { PluginDocument, PluginSummary } from '../registry/document.js';
import { canonicalJson } from './canonical-json.js';

/** The base64 helpers keys and signatures are written in (defined in base64.ts). */
export { base64ToBytes, bytesToBase64 };

/** The media type a host sends in `Accept` to ask for signed envelopes. */
export const ENVELOPE_MEDIA_TYPE = 'application/vnd.plughub.envelope+json';
/** Payload type of a signed plugin document. */
export const DOCUMENT_PAYLOAD_TYPE = 'application/vnd.plughub.document+json';
/** Payload type of the signed plugin list. */
export const LIST_PAYLOAD_TYPE = 'application/vnd.plughub.plugin-list+json';
/** Payload type of a signed keys document. */
export const KEYS_PAYLOAD_TYPE = 'application/vnd.plughub.keys+json';
/** Prefix of the registry signature input. */
export const SIGNATURE_PREFIX = 'plughub-sig-v1\n';
/** Prefix of the author signature input (version 2: covers the manifest fields a host acts on). */
export const AUTHOR_SIGNATURE_PREFIX = 'plughub-author-v2\n';
/** Prefix of the version 1 author signature input (name, version and integrity only). */
export const LEGACY_AUTHOR_SIGNATURE_PREFIX = 'plughub-author-v1\n';
/** The plugin.json fields an author signature covers besides name, version and integrity: the ones a host acts on. */
export const AUTHOR_SIGNED_FIELDS = ['dependencies', 'engines'] as const;

/** One of the three payload types. */
export type PayloadType = typeof DOCUMENT_PAYLOAD_TYPE | typeof LIST_PAYLOAD_TYPE | typeof KEYS_PAYLOAD_TYPE;

/** One signature in an envelope (or an author signature in a version entry). */
export interface EnvelopeSignature {
  /** Lowercase hex SHA-256 of the signer's raw 32-byte public key. */
  keyid: string;
  /** Base64 of the 64-byte Ed25519 signature. */
  sig: string;
}

/** A signed answer: the payload is JSON text, signed as is (no canonicalization). */
export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: EnvelopeSignature[];
}

/** Fields every payload carries. */
export interface PayloadBase {
  /** The registry identity, e.g. `plughub:<keyid of the first key>`. */
  registry: string;
  /** Increases with every change of this document (own counter per document, list, keys). */
  version: number;
  /** ISO time after which the payload must be refused. */
  expires: string;
}

/** Payload of `application/vnd.plughub.document+json`. */
export interface DocumentPayload extends PayloadBase {
  type: 'document';
  name: string;
  document: PluginDocument;
}

/** Payload of `application/vnd.plughub.plugin-list+json`. */
export interface ListPayload extends PayloadBase {
  type: 'list';
  plugins: PluginSummary[];
  /** Which page this is, when the list comes in pages (0 at `/v1/plugins`, n at `/v1/list/<n>`). */
  page?: number;
  /** How many pages the list has; absent when it is one page. */
  pages?: number;
}

/** A public key as listed in a keys payload. */
export interface PublicKeyEntry {
  keyid: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  publicKey: string;
}

/** Payload of `application/vnd.plughub.keys+json`. */
export interface KeysPayload extends PayloadBase {
  type: 'keys';
  keys: PublicKeyEntry[];
  threshold: number;
}

/** Any payload. */
export type Payload = DocumentPayload | ListPayload | KeysPayload;

/** A private key ready to sign, named by its keyid. */
export interface SigningKey {
  keyid: string;
  privateKey: CryptoKey;
}

/** A freshly generated key pair, in the portable base64 form used in key files. */
export interface GeneratedSigningKey {
  keyid: string;
  /** Base64 of the raw 32-byte public key. */
  publicKey: string;
  /** Base64 of the PKCS#8 private key. */
  privateKeyPkcs8: string;
}

const ED25519 = { name: 'Ed25519' } as const;
const encoder = new TextEncoder();

/** The bytes a registry signature covers: UTF-8 of `"plughub-sig-v1\n" + payloadType + "\n" + payload`. */
export function signatureInput(payloadType: string, payload: string): Uint8Array {
  return encoder.encode(`${SIGNATURE_PREFIX}${payloadType}\n${payload}`);
}

/**
 * The bytes an author signature covers: UTF-8 of `"plughub-author-v2\n" +
 * name + "\n" + version + "\n" + integrity + "\n" + fields`, where `fields`
 * is the canonical JSON (canonical-json.ts: keys sorted, no whitespace) of
 * an object holding the AUTHOR_SIGNED_FIELDS (`dependencies`, `engines`)
 * that plugin.json has, as they are in the file (absent ones left out:
 * `{}` for a manifest with neither). `manifest` is the plugin.json object
 * as published (the version entry's `manifest`). Throws a SignatureError
 * when those fields are not JSON data or are nested too deep.
 *
 * @example authorSignatureInput('hello', '1.0.0', 'sha256-…', { name: 'hello', dependencies: { lib: '^1' } })
 * // "plughub-author-v2\nhello\n1.0.0\nsha256-…\n{\"dependencies\":{\"lib\":\"^1\"}}"
 */
export function authorSignatureInput(name: string, version: string, integrity: string, manifest: unknown): Uint8Array {
  return encoder.encode(`${AUTHOR_SIGNATURE_PREFIX}${name}\n${version}\n${integrity}\n${canonicalJson(signedManifestFields(manifest))}`);
}

/** The AUTHOR_SIGNED_FIELDS that `manifest` holds, as an object (own properties only). */
export function signedManifestFields(manifest: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (typeof manifest !== 'object' || manifest === null) return fields;
  for (const field of AUTHOR_SIGNED_FIELDS) {
    if (Object.hasOwn(manifest, field)) fields[field] = (manifest as Record<string, unknown>)[field];
  }
  return fields;
}

/**
 * The bytes a version 1 author signature covers: UTF-8 of
 * `"plughub-author-v1\n" + name + "\n" + version + "\n" + integrity`. It
 * says nothing of the manifest, so hosts accept it only for a version
 * without dependencies (verify.ts); publishers sign version 2.
 */
export function legacyAuthorSignatureInput(name: string, version: string, integrity: string): Uint8Array {
  return encoder.encode(`${LEGACY_AUTHOR_SIGNATURE_PREFIX}${name}\n${version}\n${integrity}`);
}

/** The keyid of a public key: lowercase hex SHA-256 of its raw 32 bytes. */
export async function keyIdOf(publicKeyRaw: Uint8Array): Promise<string> {
  return bytesToHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', copy(publicKeyRaw))));
}

/** Signs bytes with an Ed25519 private key; returns the base64 signature. */
export async function signBytes(privateKey: CryptoKey, bytes: Uint8Array): Promise<string> {
  return bytesToBase64(new Uint8Array(await globalThis.crypto.subtle.sign(ED25519, privateKey, copy(bytes))));
}

/**
 * Serializes a payload object to JSON text and signs it with every key given.
 * The payload text in the envelope is exactly the text that was signed.
 */
export async function signEnvelope(payloadType: string, payloadObject: unknown, keys: readonly SigningKey[]): Promise<Envelope> {
  const payload = JSON.stringify(payloadObject);
  const input = signatureInput(payloadType, payload);
  const signatures: EnvelopeSignature[] = [];
  for (const key of keys) signatures.push({ keyid: key.keyid, sig: await signBytes(key.privateKey, input) });
  return { payloadType, payload, signatures };
}

/** Generates an Ed25519 key pair; the private key is returned as base64 PKCS#8. */
export async function generateSigningKey(): Promise<GeneratedSigningKey> {
  const pair = (await globalThis.crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey));
  const pkcs8 = new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', pair.privateKey));
  return { keyid: await keyIdOf(raw), publicKey: bytesToBase64(raw), privateKeyPkcs8: bytesToBase64(pkcs8) };
}

/** Imports a base64 PKCS#8 Ed25519 private key for signing. */
export async function importSigningKey(pkcs8Base64: string): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('pkcs8', copy(base64ToBytes(pkcs8Base64)), ED25519, false, ['sign']);
}

/**
 * Imports a base64 raw 32-byte Ed25519 public key for verifying with
 * crypto.subtle (hosts verify with verifyEd25519, which has a fallback).
 */
export async function importPublicKey(publicKeyBase64: string): Promise<CryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', copy(base64ToBytes(publicKeyBase64)), ED25519, true, ['verify']);
}

/** Whether a parsed JSON value has the shape of an envelope (a `payloadType` and a `payload` string). */
export function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.payloadType === 'string' && typeof record.payload === 'string';
}

/** A copy backed by a plain ArrayBuffer, as `crypto.subtle` requires under strict lib types. */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
