/**
 * Reading a signed plugin list that comes in pages (the registry's
 * registry-server/trust/list-pages.ts). The first page is the answer of
 * `GET /v1/plugins`; alone it is the whole list, as before. A list of more
 * pages says `page: 0` and `pages: n` in its payload, and page k is at
 * `/v1/list/<k>`, an envelope with the same `version` and `pages` and
 * `page: k`. The pages are read one after the other (each one checked by the
 * caller's `verify` as it arrives) and joined; when a page carries another
 * version or page count, the list changed between two reads and is read
 * again from its first page, at most LIST_READ_ATTEMPTS times in all. How
 * many pages, and how much text, a list may take is bounded, so a registry
 * cannot keep a client reading.
 */
import { parsePluginList, type PluginSummary } from './document.js';
import { DocumentError, SizeLimitError } from '../errors/index.js';
import type { Envelope } from '../trust/index.js';

/** The most pages a signed list may announce (the registry makes pages of 1 MiB: about a million plugins). */
export const MAX_SIGNED_LIST_PAGES = 1024;
/** The most characters of payload all pages of a signed list may hold together. */
export const MAX_SIGNED_LIST_CHARS = 256 * 1024 * 1024;
/** Reads of a signed list that keeps changing between its pages before giving up. */
export const LIST_READ_ATTEMPTS = 3;

/** One answer read and unwrapped: its payload as JSON, and the envelope it came in. */
export interface UnwrappedAnswer {
  body: unknown;
  envelope?: Envelope;
}

interface PageInfo {
  page: number;
  pages: number;
  version: unknown;
}

/**
 * The rows of every page of a signed list, whose first page is `first` (read
 * from `url`), and the envelopes of all pages in order. `readFirst` reads the
 * first page again; `readPage(k)` reads page k (and verifies it).
 */
export async function readSignedList(
  first: UnwrappedAnswer,
  url: string,
  pageUrl: (page: number) => string,
  readPage: (page: number) => Promise<UnwrappedAnswer>,
  readFirst: () => Promise<UnwrappedAnswer>,
): Promise<{ plugins: PluginSummary[]; envelopes: Envelope[] }> {
  let head = first;
  for (let attempt = 1; ; attempt++) {
    const read = await readPages(head, url, pageUrl, readPage);
    if (!('changed' in read)) return read;
    if (attempt >= LIST_READ_ATTEMPTS) {
      throw new DocumentError(`the signed plugin list (${url}) changed while it was read, ${attempt} times in a row (${read.changed}); try again`, { url });
    }
    head = await readFirst();
  }
}

async function readPages(
  head: UnwrappedAnswer,
  url: string,
  pageUrl: (page: number) => string,
  readPage: (page: number) => Promise<UnwrappedAnswer>,
): Promise<{ plugins: PluginSummary[]; envelopes: Envelope[] } | { changed: string }> {
  if (!head.envelope) throw new DocumentError(`page 0 of the signed plugin list (${url}) came back unsigned when it was read again`, { url });
  const rows = rowsOf(head.body, url);
  const info = pageInfo(head.body, url);
  const envelopes = [head.envelope];
  if (info === undefined) return { plugins: rows, envelopes };
  if (info.page !== 0) throw new DocumentError(`the signed plugin list (${url}) starts with page ${info.page}, not page 0`, { url });
  const plugins = [...rows];
  let chars = head.envelope.payload.length;
  for (let page = 1; page < info.pages; page++) {
    const where = pageUrl(page);
    const answer = await readPage(page);
    if (!answer.envelope) throw new DocumentError(`page ${page} of the signed plugin list (${where}) is not signed, though page 0 (${url}) is`, { url: where });
    const next = pageInfo(answer.body, where);
    if (next === undefined || next.pages !== info.pages || next.version !== info.version) {
      const found = next === undefined ? 'no page count' : `version ${shown(next.version)} of ${next.pages} pages`;
      return { changed: `page ${page} is of ${found}, page 0 of version ${shown(info.version)} of ${info.pages} pages` };
    }
    if (next.page !== page) throw new DocumentError(`${where} answered with page ${next.page} of the signed plugin list, not page ${page}`, { url: where });
    chars += answer.envelope.payload.length;
    if (chars > MAX_SIGNED_LIST_CHARS) {
      throw new SizeLimitError(
        `the signed plugin list (${url}) takes more than ${MAX_SIGNED_LIST_CHARS} characters by page ${page} of ${info.pages}`,
        MAX_SIGNED_LIST_CHARS,
        { url: where },
      );
    }
    for (const row of rowsOf(answer.body, where)) plugins.push(row);
    envelopes.push(answer.envelope);
  }
  return { plugins, envelopes };
}

function rowsOf(body: unknown, url: string): PluginSummary[] {
  return parsePluginList({ total: 0, ...(body as object) }, { url }).plugins;
}

/** `page`, `pages` and `version` of a page's payload; undefined for a list of one page (no `pages`). */
function pageInfo(body: unknown, url: string): PageInfo | undefined {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (record.pages === undefined && record.page === undefined) return undefined;
  const { page, pages } = record;
  const valid = (value: unknown, min: number, max: number): value is number =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
  if (!valid(pages, 1, MAX_SIGNED_LIST_PAGES) || !valid(page, 0, pages - 1)) {
    throw new DocumentError(
      `the signed plugin list (${url}) says it is page ${shown(page)} of ${shown(pages)}: expected whole numbers, at most ${MAX_SIGNED_LIST_PAGES} pages`,
      { url },
    );
  }
  return { page, pages, version: record.version };
}

/** A value of a hostile payload, shown short: a number or a string cut to 40 characters, else its kind (never serialized: it may be nested arbitrarily deep). */
function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return Array.isArray(value) ? 'an array' : `a${typeof value === 'object' ? 'n object' : ` ${typeof value}`}`;
}
