/**
 * Publishing one version: unpack and check the `.plg` upload while it
 * streams (limits, entries, plugin.json), make sure it is the name and version
 * the URL says, compute the bundle's integrity on the server, then — under
 * the plugin's lock — refuse an existing version, store the blob and commit
 * the new document. Any error before the commit leaves storage unchanged.
 */
import type { VersionEntry } from '../src/core/document.js';
import { computeIntegrity, integrityToHex } from '../src/core/integrity.js';
import { readPlg } from '../src/core/plg/index.js';
import { addVersion, blobPath } from './documents.js';
import { HttpError } from './http/errors.js';
import type { ResolvedOptions } from './options.js';
import { parseDocument } from './storage/snapshot.js';
import { verifyAuthorSignatures, type SentAuthorSignature } from './trust/author.js';

function versionExists(name: string, version: string): HttpError {
  return new HttpError(409, 'E_VERSION_EXISTS', `${name}@${version} is already published, and a published version never changes: publish a new version`);
}

/**
 * Publishes `name@version` from a `.plg` stream; resolves to the new version
 * entry. Throws HttpError 409 when the version exists, and the errors of
 * readPlg (size limits, package and manifest problems) as they are. Author
 * signatures, when sent, must verify over the computed integrity (422
 * `E_BAD_SIGNATURE` otherwise) and are kept as `authorSignatures`.
 */
export async function publishVersion(
  options: ResolvedOptions,
  name: string,
  version: string,
  body: ReadableStream<Uint8Array>,
  authorSignatures: readonly SentAuthorSignature[] = [],
): Promise<VersionEntry> {
  const { storage, limits } = options;
  const stored = await storage.getDocument(name);
  if (stored !== undefined && parseDocument(stored.bytes).versions[version] !== undefined) {
    await body.cancel().catch(() => undefined);
    throw versionExists(name, version);
  }
  const plg = await readPlg(body, limits);
  if (plg.manifest.name !== name || plg.manifest.version !== version) {
    throw new HttpError(
      422,
      'E_MISMATCH',
      `the URL publishes ${name}@${version}, but plugin.json says ${plg.manifest.name}@${plg.manifest.version}`,
    );
  }
  const integrity = await computeIntegrity(plg.bundle);
  const { hex } = integrityToHex(integrity);
  const signatures = await verifyAuthorSignatures(authorSignatures, name, version, integrity);
  const now = options.now();
  const entry: VersionEntry = {
    manifest: plg.manifestJson as VersionEntry['manifest'],
    dist: { integrity, size: plg.bundle.byteLength, url: blobPath(hex) },
    publishedAt: new Date(now).toISOString(),
    yanked: false,
    ...(signatures.length > 0 ? { authorSignatures: signatures } : {}),
  };
  await storage.updateDocument(name, async (current) => {
    if (current?.versions[version] !== undefined) throw versionExists(name, version);
    await storage.putBlob('sha256', hex, plg.bundle);
    return addVersion(current, name, version, entry, now);
  });
  options.log({ level: 'info', message: `published ${name}@${version} (${entry.dist.size} bytes, ${integrity})` });
  return entry;
}
