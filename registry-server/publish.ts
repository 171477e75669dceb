/**
 * Publishing one version: unpack and check the received `.plg` upload
 * (limits, entries, plugin.json; upload/unpack.ts), make sure it is the name and version
 * the URL says, compute the integrity of the bundle and of the package's
 * README.md, CHANGELOG.md and LICENSE on the server, then — under the
 * plugin's lock — refuse an existing version, build and serialize the new
 * document (refusing one over MAX_DOCUMENT_BYTES or with more than
 * MAX_DOCUMENT_VERSIONS versions), and only then hand the blobs (the text
 * files are kept content-addressed like the bundle, referred to from the
 * version's `files`) to the storage with the document, which stores them
 * before it commits the document (the filesystem driver while it writes the
 * document: one flush of each, at once). Everything that can refuse the upload
 * runs before the first write, so a refused publish leaves storage as it
 * was; only a crash between the blob and the commit leaves an orphan blob,
 * which garbage collection (storage/gc.ts) removes.
 */
import { createHash } from 'node:crypto';
import { PACKAGE_TEXT_FILES, type PlgPackage } from '../src/core/plg/index.js';
import { addVersion, blobPath, type StoredVersionEntry, type VersionFile } from './documents.js';
import { HttpError } from './http/errors.js';
import type { ResolvedOptions } from './options.js';
import { parseDocument, prepareDocument } from './storage/snapshot.js';
import type { BlobToStore, DocumentSnapshot, PreparedDocument } from './storage/types.js';
import { verifyAuthorSignatures, type SentAuthorSignature } from './trust/author.js';
import type { SpooledBody } from './upload/spool.js';
import { unpackUpload } from './upload/unpack.js';

/**
 * The largest document a publish may produce: 4 MiB less 16 KiB. Every
 * publish parses, serializes and hashes the whole document on the event
 * loop (about 25 ms per 4 MiB), so this bounds the time one publish blocks
 * everyone else; and a signed envelope writes the document as a JSON string,
 * which at most doubles it, so even then it stays within the 8 MiB a host
 * reads (`maxDocumentBytes`), frame and signatures included.
 */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024 - 16 * 1024;

/**
 * The most versions one plugin's document may hold (yanked ones count: a
 * published version never goes away). Every version costs hosts a semver
 * comparison on each resolve; past this, publish under a new name.
 */
export const MAX_DOCUMENT_VERSIONS = 1000;

/** A stored document up to this size is parsed to refuse an existing version before the upload is read; a larger one is parsed once, under the lock. */
const PRECHECK_DOCUMENT_BYTES = 256 * 1024;

/**
 * The versions of document snapshots this process published or looked into:
 * a driver hands out the same snapshot object while the document is
 * unchanged (the filesystem driver the very one a publish committed), so the
 * early refusal below parses a document at most once.
 */
const knownVersions = new WeakMap<DocumentSnapshot, ReadonlySet<string>>();

/**
 * Whether the served document holds `version` (an early refusal before
 * the upload is read); false for bytes that are no document, whose plugin the
 * storage refuses to change anyway (a damaged document: 503).
 */
function hasVersion(snapshot: DocumentSnapshot, version: string): boolean {
  let known = knownVersions.get(snapshot);
  if (known === undefined) {
    try {
      const versions = (parseDocument(snapshot.bytes) as { versions?: unknown }).versions;
      known = new Set(typeof versions === 'object' && versions !== null ? Object.keys(versions) : []);
    } catch {
      known = new Set();
    }
    knownVersions.set(snapshot, known);
  }
  return known.has(version);
}

function versionExists(name: string, version: string): HttpError {
  return new HttpError(409, 'E_VERSION_EXISTS', `${name}@${version} is already published, and a published version never changes`);
}

/**
 * Publishes `name@version` from a received `.plg` body (upload/unpack.ts); resolves to the new version
 * entry. Throws HttpError 409 when the version exists, 413 when the
 * document would pass MAX_DOCUMENT_BYTES or MAX_DOCUMENT_VERSIONS, and the errors of
 * readPlg (size limits, package and manifest problems) as they are. Author
 * signatures, when sent, must verify over the computed integrity (422
 * `E_BAD_SIGNATURE` otherwise) and are kept as `authorSignatures`.
 */
export async function publishVersion(
  options: ResolvedOptions,
  name: string,
  version: string,
  body: SpooledBody,
  authorSignatures: readonly SentAuthorSignature[] = [],
): Promise<StoredVersionEntry> {
  const { storage, limits } = options;
  const stored = await storage.getDocument(name);
  if (stored !== undefined && stored.bytes.byteLength <= PRECHECK_DOCUMENT_BYTES && hasVersion(stored, version)) throw versionExists(name, version);
  const plg = await unpackUpload(body, limits);
  if (plg.manifest.name !== name || plg.manifest.version !== version) {
    throw new HttpError(422, 'E_MISMATCH', `the URL publishes ${name}@${version}, but plugin.json says ${plg.manifest.name}@${plg.manifest.version}`);
  }
  const { integrity, hex } = sha256Of(plg.bundle);
  const signatures = await verifyAuthorSignatures(authorSignatures, name, version, integrity, plg.manifestJson);
  const textFiles = await textFilesOf(plg);
  const now = options.now();
  const entry: StoredVersionEntry = {
    manifest: plg.manifestJson as StoredVersionEntry['manifest'],
    dist: { integrity, size: plg.bundle.byteLength, url: blobPath(hex) },
    publishedAt: new Date(now).toISOString(),
    yanked: false,
    ...(signatures.length > 0 ? { authorSignatures: signatures } : {}),
    ...(textFiles.length > 0 ? { files: Object.fromEntries(textFiles.map(({ path, file }) => [path, file])) } : {}),
  };
  let committed: PreparedDocument | undefined;
  const snapshot = await storage.updateDocument(name, async (current) => {
    if (current?.versions[version] !== undefined) throw versionExists(name, version);
    const held = current === undefined ? 0 : Object.keys(current.versions).length;
    if (held >= MAX_DOCUMENT_VERSIONS) {
      throw new HttpError(
        413,
        'E_TOO_LARGE',
        `${name}@${version}: ${name} already has ${held} versions, the most one plugin may have (${MAX_DOCUMENT_VERSIONS}, yanked ones included); publish under a new name`,
        { extra: { limit: MAX_DOCUMENT_VERSIONS } },
      );
    }
    const next = await prepareDocument(addVersion(current, name, version, entry, now));
    const bytes = next.snapshot.bytes.byteLength;
    if (bytes > MAX_DOCUMENT_BYTES) {
      throw new HttpError(
        413,
        'E_TOO_LARGE',
        `${name}@${version}: the document would take ${bytes} bytes, more than ${MAX_DOCUMENT_BYTES} (its versions' manifests together are too large)`,
        { extra: { limit: MAX_DOCUMENT_BYTES } },
      );
    }
    // Stored by the driver before the document is committed, while it writes the document.
    const blobs: BlobToStore[] = [
      ...textFiles.map((text) => ({ algorithm: 'sha256' as const, hex: text.hex, bytes: text.bytes })),
      { algorithm: 'sha256', hex, bytes: plg.bundle },
    ];
    committed = { ...next, blobs };
    return committed;
  });
  if (snapshot !== undefined && committed !== undefined) knownVersions.set(snapshot, new Set(Object.keys(committed.document.versions)));
  options.log({ level: 'info', message: `published ${name}@${version} (${entry.dist.size} bytes, ${integrity})` });
  return entry;
}

/**
 * The SHA-256 of `bytes` as an SRI string and in hex: one synchronous hash
 * (a 50 KB bundle takes about 0.1 ms) rather than WebCrypto's trip through
 * the thread pool, where it would queue behind the journal's flushes.
 */
function sha256Of(bytes: Uint8Array): { integrity: string; hex: string } {
  const digest = createHash('sha256').update(bytes).digest();
  return { integrity: `sha256-${digest.toString('base64')}`, hex: digest.toString('hex') };
}

/** The package's README.md, CHANGELOG.md and LICENSE (readPlg checked their size and encoding), with their blob references. */
async function textFilesOf(plg: PlgPackage): Promise<{ path: string; file: VersionFile; hex: string; bytes: Uint8Array }[]> {
  const found = [];
  for (const { path } of PACKAGE_TEXT_FILES) {
    const bytes = plg.files.get(path);
    if (bytes === undefined) continue;
    const { integrity, hex } = sha256Of(bytes);
    found.push({ path, hex, bytes, file: { integrity, size: bytes.byteLength, url: blobPath(hex) } });
  }
  return found;
}
