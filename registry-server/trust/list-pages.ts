/**
 * The signed plugin list, cut into pages of bounded size.
 *
 * A list signed as one envelope grows with the registry: one token with a
 * scope pattern publishing thousands of tiny packages (214-character names,
 * descriptions of control characters that JSON writes six bytes each) made
 * it pass the 8 MiB a host reads, so every host with trustedKeys failed
 * `list()`, and every change re-serialized and re-signed all of it. Capping
 * the plugins per token would bound what one token does, not the whole
 * registry, and would still break hosts of a large one; paging keeps every
 * answer small for any registry. So:
 *
 * - each signed row is short: name, latest, modified, and the description cut
 *   to SIGNED_DESCRIPTION_CHARS characters and SIGNED_DESCRIPTION_BYTES bytes
 *   of JSON (escapes counted: a control character costs its six), the part
 *   `plughub search` shows and the client's `q` matches;
 * - rows are laid out, in name order, on pages of at most
 *   MAX_SIGNED_LIST_PAGE_BYTES of JSON. Page 0 is what `GET /v1/plugins`
 *   answers (alone, it is the list as before: no `page`/`pages` fields);
 *   with more pages, each payload carries `page` and `pages`, page n is at
 *   `/v1/list/<n>`, and all pages of a list carry the list's one version, so
 *   a reader can tell a list that changed between its pages (and the trust
 *   guard's rollback check holds across pages);
 * - the layout is computed in slices that yield to the event loop, and each
 *   page is signed only when asked for (signer.ts), so a change costs the
 *   signing of the pages read, not of the whole list at once.
 *
 * Page bytes: the worst expansion of a page on a static mirror is ×6 (`<`
 * escaped as `\u003c` by the export), so 1 MiB pages stay under a host's
 * 8 MiB body limit even there.
 */
import { bytesToBase64 } from '../../src/core/base64.js';
import type { PluginSummary } from '../../src/core/registry/index.js';
import type { ListPayload, PayloadBase } from '../../src/core/trust/index.js';

/** The most bytes of JSON the rows of one signed list page take (a single row is never split). */
export const MAX_SIGNED_LIST_PAGE_BYTES = 1024 * 1024;
/** A signed row's description is cut to this many characters (UTF-16 code units) … */
export const SIGNED_DESCRIPTION_CHARS = 120;
/** … and to this many bytes of its JSON string (escapes included). */
export const SIGNED_DESCRIPTION_BYTES = 240;
/** A `modified` longer than this (only a damaged index holds one) is left out of the signed row. */
const MAX_MODIFIED_CHARS = 64;
/** A `latest` longer than this is left out (a version is never that long). */
const MAX_LATEST_CHARS = 256;
/** Longest stretch of layout work between two yields to the event loop, in ms. */
const SLICE_MS = 4;

/** A list cut into pages, with the digest of all of it (what its signature's version follows). */
export interface ListLayout {
  /** The signed rows of each page (at least one page, maybe empty). */
  pages: PluginSummary[][];
  /** A digest of every page's JSON. */
  source: string;
}

const encoder = new TextEncoder();

/** Strings JSON writes as they are, one byte per character: printable ASCII but `"` and `\`. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** A string of at most this many UTF-16 code units fits SIGNED_DESCRIPTION_BYTES whatever it holds (6 bytes each at worst). */
const ALWAYS_FITS = Math.floor((SIGNED_DESCRIPTION_BYTES - 2) / 6);

/** Bytes the UTF-16 code unit at `index` of `text` takes inside a JSON string as JSON.stringify writes it (UTF-8). */
function unitBytes(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code === 0x22 || code === 0x5c) return 2;
  if (code < 0x20) return code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdbff) return isLow(text.charCodeAt(index + 1)) ? 2 : 6;
  if (code >= 0xdc00 && code <= 0xdfff) return isLow(code) && isHigh(text.charCodeAt(index - 1)) ? 2 : 6;
  return 3;
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Bytes of `text` as a JSON string, quotes included. */
function jsonStringBytes(text: string): number {
  if (PLAIN_ASCII.test(text)) return text.length + 2;
  let bytes = 2;
  for (let index = 0; index < text.length; index++) bytes += unitBytes(text, index);
  return bytes;
}

/**
 * A description cut to SIGNED_DESCRIPTION_CHARS characters and
 * SIGNED_DESCRIPTION_BYTES bytes of JSON, never inside a surrogate pair.
 */
export function signedDescription(description: string): string {
  if (description.length <= ALWAYS_FITS) return description;
  const head = description.length <= SIGNED_DESCRIPTION_CHARS ? description : description.slice(0, SIGNED_DESCRIPTION_CHARS);
  if (PLAIN_ASCII.test(head)) return head;
  let bytes = 2;
  for (let index = 0; index < head.length; index++) {
    bytes += unitBytes(head, index);
    if (bytes > SIGNED_DESCRIPTION_BYTES) return withoutHalfPair(head.slice(0, index));
  }
  return withoutHalfPair(head);
}

/** `text` without a high surrogate at its end (the other half was cut off). */
function withoutHalfPair(text: string): string {
  return isHigh(text.charCodeAt(text.length - 1)) ? text.slice(0, -1) : text;
}

/** The row of `summary` in the signed list: name, short description, latest and modified, each bounded. */
export function signedRow(summary: PluginSummary): PluginSummary {
  const { name, description, latest, modified } = summary;
  return {
    name,
    ...(typeof description === 'string' && description !== '' ? { description: signedDescription(description) } : {}),
    ...(typeof latest === 'string' && latest.length <= MAX_LATEST_CHARS ? { latest } : {}),
    modified: modified.length <= MAX_MODIFIED_CHARS ? modified : '',
  };
}

/** Bytes of `JSON.stringify(row)` for a signed row, counted without writing it. */
function rowBytes(row: PluginSummary): number {
  let bytes = 2 + 7 + jsonStringBytes(row.name) + 12 + jsonStringBytes(row.modified);
  if (row.description !== undefined) bytes += 15 + jsonStringBytes(row.description);
  if (row.latest !== undefined) bytes += 10 + jsonStringBytes(row.latest);
  return bytes;
}

/**
 * Lays `plugins` (sorted by name) out on pages of at most `maxPageBytes` of
 * JSON, yielding to the event loop whenever a slice of the work took
 * SLICE_MS, so a large list never blocks it for long.
 */
export async function layoutList(plugins: readonly PluginSummary[], maxPageBytes = MAX_SIGNED_LIST_PAGE_BYTES): Promise<ListLayout> {
  const pages: PluginSummary[][] = [];
  const digests: string[] = [];
  let rows: PluginSummary[] = [];
  let bytes = 2;
  let sliceStart = performance.now();
  const pause = async () => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    await yieldToLoop();
    sliceStart = performance.now();
  };
  const close = async () => {
    pages.push(rows);
    digests.push(await digest(JSON.stringify(rows)));
    rows = [];
    bytes = 2;
    await pause();
  };
  for (let index = 0; index < plugins.length; index++) {
    if ((index & 255) === 255) await pause();
    const row = signedRow(plugins[index]!);
    const size = rowBytes(row) + 1;
    if (rows.length > 0 && bytes + size > maxPageBytes) await close();
    rows.push(row);
    bytes += size;
  }
  if (rows.length > 0 || pages.length === 0) await close();
  return { pages, source: await digest(`${pages.length}:${digests.join(',')}`) };
}

/** The payload of page `page` of `layout`. */
export function listPagePayload(base: PayloadBase, layout: ListLayout, page: number): ListPayload {
  const payload: ListPayload = { type: 'list', ...base, plugins: layout.pages[page]! };
  return layout.pages.length > 1 ? { ...payload, page, pages: layout.pages.length } : payload;
}

async function digest(text: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  return bytesToBase64(hash.subarray(0, 18));
}

/** Lets other work run between slices of a long layout (web-standard: a zero timer). */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
