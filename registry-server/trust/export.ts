/**
 * `exportRegistry`: writes a registry as static files that any static host,
 * CDN or object store can serve, every metadata file a signed envelope:
 *
 *   v1/plugins/<name>              document envelope (`@acme/hello`: both
 *                                  `v1/plugins/@acme/hello` and the file
 *                                  `v1/plugins/@acme%2Fhello`)
 *   v1/index                       the signed plugin list (its first page)
 *   v1/plugins/index.html          the same, for hosts that map
 *                                  `/v1/plugins` to the directory's index
 *   v1/list/<n>                    page n of the signed list, when it takes
 *                                  more than one (list-pages.ts)
 *   v1/keys/<n>                    every keys envelope, 1 … newest
 *   v1/keys/index.html             the newest keys envelope: a filesystem
 *                                  cannot hold a file `v1/keys` next to the
 *                                  directory `v1/keys/`, and static servers
 *                                  answer `/v1/keys` from the directory index
 *   v1/blobs/sha256/<hex>          every bundle, as stored
 *
 * A plugin named `index.html` cannot be exported (ExportError, before any
 * file is written): its document would be the list's file.
 *
 * Documents and the list are signed anew (their versions bumped) with
 * `expires` `ttlMs` from now, and the keys document too unless it already
 * holds that long; the registry keeps serving those signatures.
 *
 * Static servers answer `index.html` (and may sniff other files) as
 * `text/html`, so every JSON file is written with `<`, `>`, `&`, U+2028 and
 * U+2029 escaped (`\u003c` …): none of its bytes can open a tag on the
 * mirror's origin. This is still the same JSON: those characters only ever
 * occur inside strings, and the payload an envelope signs is one of those
 * strings, so after parsing it is the exact text that was signed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PlughubError, registerErrorName } from '../../src/core/errors/index.js';
import { parseDocument } from '../storage/snapshot.js';
import type { RegistryStorage } from '../storage/types.js';
import type { Signer } from './signer.js';

/** What to export, where, and for how long the signatures hold. */
export interface ExportOptions {
  storage: RegistryStorage;
  signer: Signer;
  /** The output directory (created if missing; files in it are overwritten). */
  out: string;
  /** How long the exported signatures are valid, in ms. */
  ttlMs: number;
}

/** What an export wrote. */
export interface ExportResult {
  /** Every file written, relative to `out`, with `/` separators, sorted. */
  files: string[];
  plugins: number;
  blobs: number;
  /** The earliest `expires` among the exported envelopes (ISO time). */
  expires: string;
}

/**
 * A registry the static layout cannot hold: a plugin named `index.html`
 * (a valid name) would be written to `v1/plugins/index.html`, the file that
 * holds the signed list. Code `E_EXPORT_NAME`; nothing is written.
 */
export class ExportError extends PlughubError {
  override name = 'ExportError';
  constructor(message: string, plugin: string) {
    super(message, { plugin }, 'E_EXPORT_NAME');
  }
}
registerErrorName('ExportError');

/** Names whose document file would be a file the export writes for something else. */
const RESERVED_NAMES = new Set(['index.html']);

const BLOB_URL = /^\/v1\/blobs\/sha256\/([0-9a-f]{64})$/;
const MARKUP = /[<>&\u2028\u2029]/g;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * JSON text with `<`, `>`, `&`, U+2028 and U+2029 written as `\u003c` …:
 * the same value once parsed, but no markup (and no JavaScript line break)
 * wherever it is shown. Only valid for JSON text, where those characters can
 * occur only inside strings (and never right after an escaping backslash).
 */
export function escapeJsonForHtml(json: string): string {
  return json.replace(MARKUP, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Exports the registry to `out`.
 * @example
 * await exportRegistry({ storage, signer: new Signer({ store }), out: './site', ttlMs: 30 * 86_400_000 });
 */
export async function exportRegistry(options: ExportOptions): Promise<ExportResult> {
  const out = resolve(options.out);
  const files: string[] = [];
  let earliest = Number.POSITIVE_INFINITY;
  const write = async (path: string, bytes: Uint8Array) => {
    const target = join(out, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
    files.push(path);
  };
  const writeJson = (path: string, bytes: Uint8Array) => write(path, encoder.encode(escapeJsonForHtml(decoder.decode(bytes))));
  const sign = { force: true, ttlMs: options.ttlMs };

  const summaries = await options.storage.listPlugins();
  const reserved = summaries.find((summary) => RESERVED_NAMES.has(summary.name));
  if (reserved !== undefined) {
    throw new ExportError(
      `cannot export the plugin ${reserved.name}: its document would be written to v1/plugins/${reserved.name}, where the signed plugin list goes; ` +
        'rename it (publish it under another name and stop serving this one) to export this registry',
      reserved.name,
    );
  }
  const blobs = new Set<string>();
  for (const summary of summaries) {
    const snapshot = await options.storage.getDocument(summary.name, { fresh: true });
    if (snapshot === undefined) continue;
    const answer = await options.signer.document(summary.name, snapshot, sign);
    earliest = Math.min(earliest, answer.expiresAt);
    await writeJson(`v1/plugins/${summary.name}`, answer.bytes);
    if (summary.name.includes('/')) await writeJson(`v1/plugins/${summary.name.replace('/', '%2F')}`, answer.bytes);
    for (const entry of Object.values(parseDocument(snapshot.bytes).versions)) {
      const hex = BLOB_URL.exec(entry.dist.url)?.[1];
      if (hex !== undefined) blobs.add(hex);
    }
  }
  const list = await options.signer.list(summaries, sign);
  earliest = Math.min(earliest, list.expiresAt);
  await writeJson('v1/index', list.bytes);
  await writeJson('v1/plugins/index.html', list.bytes);
  for (let page = 1; page < list.pages; page++) {
    // Not forced again: that would sign page 0 anew with the next version; these take the version just signed.
    const answer = (await options.signer.listPage(summaries, page, { ttlMs: options.ttlMs }))!;
    earliest = Math.min(earliest, answer.expiresAt);
    await writeJson(`v1/list/${page}`, answer.bytes);
  }

  const newest = await options.signer.keysValidFor(options.ttlMs);
  if (newest !== undefined) {
    for (let version = 1; version <= newest.version; version++) {
      const answer = await options.signer.keys(version);
      if (answer !== undefined) await writeJson(`v1/keys/${version}`, answer.bytes);
    }
    await writeJson('v1/keys/index.html', newest.bytes);
  }

  for (const hex of [...blobs].sort()) {
    const bytes = await options.storage.getBlob('sha256', hex);
    if (bytes !== undefined) await write(`v1/blobs/sha256/${hex}`, bytes);
  }
  return { files: files.sort(), plugins: summaries.length, blobs: blobs.size, expires: new Date(earliest).toISOString() };
}
