/**
 * Serializes a plugin document into the bytes the registry stores and serves,
 * with a strong ETag derived from a SHA-256 of those bytes (node:crypto's
 * synchronous hash: WebCrypto's cost about half a millisecond of the event
 * loop per 50 KB document here, and a trip through the thread pool, on
 * every publish; any driver produces the same ETag for the same document).
 * Also the name checks every driver applies before touching storage.
 */
import { createHash } from 'node:crypto';
import { bytesToBase64 } from '../../src/core/base64.js';
import type { PluginDocument } from '../../src/core/registry/index.js';
import { validatePluginName } from '../../src/core/plugin/index.js';
import type { DocumentSnapshot, PreparedDocument } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The snapshot of a document: its JSON bytes and their ETag. */
export async function snapshotOf(document: PluginDocument): Promise<DocumentSnapshot> {
  return snapshotOfBytes(encoder.encode(JSON.stringify(document)));
}

/** A document serialized for storing (see PreparedDocument). */
export async function prepareDocument(document: PluginDocument): Promise<PreparedDocument> {
  return { document, snapshot: await snapshotOf(document) };
}

/** The prepared form of what a DocumentChange returned. */
export async function asPrepared(next: PluginDocument | PreparedDocument): Promise<PreparedDocument> {
  return isPrepared(next) ? next : prepareDocument(next);
}

function isPrepared(next: PluginDocument | PreparedDocument): next is PreparedDocument {
  const candidate = next as Partial<PreparedDocument>;
  return (
    typeof candidate.snapshot === 'object' &&
    candidate.snapshot !== null &&
    candidate.snapshot.bytes instanceof Uint8Array &&
    typeof candidate.document === 'object'
  );
}

/** The snapshot of already serialized document bytes. */
export async function snapshotOfBytes(bytes: Uint8Array): Promise<DocumentSnapshot> {
  const digest = createHash('sha256').update(bytes).digest();
  const tag = bytesToBase64(digest.subarray(0, 18)).replace(/\+/g, '-').replace(/\//g, '_');
  return { bytes, etag: `"${tag}"` };
}

/** The document stored as `bytes` (the bytes of a snapshot, or of a document file). */
export function parseDocument(bytes: Uint8Array): PluginDocument {
  return JSON.parse(decoder.decode(bytes)) as PluginDocument;
}

/** Throws a TypeError unless `name` is a valid plugin name (drivers never store anything else). */
export function assertPluginName(name: string): void {
  const problem = validatePluginName(name);
  if (problem !== undefined) throw new TypeError(`invalid plugin name ${JSON.stringify(name)}: ${problem}`);
}

/** Throws a TypeError unless the blob address is `sha256` and 64 lowercase hex digits. */
export function assertBlobAddress(algorithm: string, hex: string): void {
  if (algorithm !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex)) {
    throw new TypeError(`invalid blob address ${JSON.stringify(`${algorithm}/${hex}`)}`);
  }
}
