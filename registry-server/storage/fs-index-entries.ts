/**
 * The entries of the filesystem driver's plugin index (fs-index.ts): how
 * index.json is encoded and read back, each entry checked again as it is
 * read (an index written by an older version, or by hand), and what makes a
 * document fit to be indexed.
 */
import type { Stats } from 'node:fs';
import type { PluginDocument, PluginSummary } from '../../src/core/registry/index.js';
import { MANIFEST_FIELD_LIMITS, validatePluginName } from '../../src/core/plugin/index.js';
import { cutDescription } from '../documents.js';
import { readDataFile, readProblem } from './fs-read.js';

/** index.json as stored. */
export interface IndexFile {
  version: 1;
  plugins: Record<string, PluginSummary>;
  /** The document file each summary was made from (see fileSignature); absent in an index written before them. */
  files?: Record<string, string>;
}

export type ReadResult = { bytes: Uint8Array } | { problem: string } | undefined;

const decoder = new TextDecoder();
const COMMA = new TextEncoder().encode(',');
/** Prefix of the keys of `files` entries in LoadedIndex.entries (no plugin name starts with a space). */
export const FILE_KEY = ' ';

/** What identifies one version of a document file: a commit renames a new file into place (a new inode). */
export function fileSignature(file: Stats): string {
  return `${file.dev}:${file.ino}:${file.size}:${file.mtimeMs}`;
}

/** The `files` of an index as read: only string values, none when it has none. */
export function filesOf(value: unknown): { files?: Record<string, string> } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const files: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, signature] of Object.entries(value)) if (typeof signature === 'string') files[name] = signature;
  return { files };
}

/** True when the time `held` is after `next` (ISO times; a value that is not a time never is). */
export function isLater(held: string, next: string): boolean {
  const a = Date.parse(held);
  const b = Date.parse(next);
  return Number.isFinite(a) && Number.isFinite(b) && a > b;
}

/**
 * Index entries that look like summaries, sorted by name, each field checked
 * again (an index written by an older version, or by hand): descriptions cut
 * to the manifest bound, keywords, host range and dependency names within
 * theirs.
 */
export function sortedSummaries(index: IndexFile): PluginSummary[] {
  const list: PluginSummary[] = [];
  for (const value of Object.values(index.plugins) as unknown[]) {
    const row = rowOf(value);
    if (row !== undefined) list.push(row);
  }
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `list` (sorted by name) with `summary`'s row in place of the row of that name, or inserted in order. */
export function withRow(list: readonly PluginSummary[], summary: PluginSummary): PluginSummary[] | undefined {
  const row = rowOf(summary);
  if (row === undefined) return undefined;
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]!.name < row.name) low = middle + 1;
    else high = middle;
  }
  const next = list.slice();
  next.splice(low, list[low]?.name === row.name ? 1 : 0, row);
  return next;
}

/** The list row of an index entry that looks like a summary, each field checked again; undefined for anything else. */
function rowOf(value: unknown): PluginSummary | undefined {
  const row = value as Partial<Record<keyof PluginSummary, unknown>> | null;
  if (typeof row !== 'object' || row === null || typeof row.name !== 'string' || typeof row.modified !== 'string') return undefined;
  const keywords = stringsOf(row.keywords, MANIFEST_FIELD_LIMITS.keywords, MANIFEST_FIELD_LIMITS.keyword);
  const dependencies = stringsOf(row.dependencies, MANIFEST_FIELD_LIMITS.dependencies, 214);
  return {
    name: row.name,
    ...(typeof row.description === 'string' ? { description: cutDescription(row.description) } : {}),
    ...(typeof row.latest === 'string' && row.latest.length <= 256 ? { latest: row.latest } : {}),
    ...(keywords.length > 0 ? { keywords } : {}),
    ...(typeof row.host === 'string' && row.host.length <= MANIFEST_FIELD_LIMITS.range ? { host: row.host } : {}),
    ...(dependencies.length > 0 ? { dependencies } : {}),
    modified: row.modified,
  };
}

/** The strings of `value` (an array), at most `count` of them, each at most `length` characters. */
function stringsOf(value: unknown, count: number, length: number): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string' && item.length <= length).slice(0, count);
}

/** Why `value` cannot be indexed (or changed) as the document of `name`, or undefined. */
export function describeDocument(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const document = value as Partial<PluginDocument>;
  if (document.name !== name) return `it carries the name ${JSON.stringify(document.name)}, not ${JSON.stringify(name)}`;
  const problem = validatePluginName(name);
  if (problem !== undefined) return `the plugin name is not valid (${problem})`;
  if (typeof document.modified !== 'string') return '"modified" is not a string';
  if (typeof document.versions !== 'object' || document.versions === null || Array.isArray(document.versions)) return '"versions" is not an object';
  if (typeof document.distTags !== 'object' || document.distTags === null) return '"distTags" is not an object';
  return undefined;
}

export function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** The bytes of a regular file of at most `maxBytes`; undefined when it does not exist, a problem when it cannot be read (see fs-read.ts). */
export async function readBounded(path: string, maxBytes: number): Promise<ReadResult> {
  try {
    const bytes = await readDataFile(path, maxBytes);
    return bytes === undefined ? undefined : { bytes };
  } catch (error) {
    return { problem: readProblem(path, error) };
  }
}

/**
 * The bytes of index.json for `index`, entry by entry (never one giant
 * string); `entries` holds entries already serialized (`"name":{…}`, and
 * `" name"` for its `files` entry), reused and filled in.
 */
export function encodeIndex(index: IndexFile, entries: Map<string, Uint8Array>): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [encoder.encode('{"version":1,"plugins":{')];
  let first = true;
  for (const [name, summary] of Object.entries(index.plugins)) {
    let entry = entries.get(name);
    if (entry === undefined) {
      entry = encoder.encode(`${JSON.stringify(name)}:${JSON.stringify(summary)}`);
      entries.set(name, entry);
    }
    if (!first) chunks.push(COMMA);
    chunks.push(entry);
    first = false;
  }
  chunks.push(encoder.encode('},"files":{'));
  first = true;
  for (const [name, signature] of Object.entries(index.files ?? {})) {
    if (!Object.hasOwn(index.plugins, name)) continue;
    let entry = entries.get(FILE_KEY + name);
    if (entry === undefined) {
      entry = encoder.encode(`${JSON.stringify(name)}:${JSON.stringify(signature)}`);
      entries.set(FILE_KEY + name, entry);
    }
    if (!first) chunks.push(COMMA);
    chunks.push(entry);
    first = false;
  }
  chunks.push(encoder.encode('}}'));
  const bytes = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
