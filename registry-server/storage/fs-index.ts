/**
 * The plugin index of the filesystem driver: `index.json` holds the summary
 * of every plugin so that listing reads one file, not every document. It is
 * updated once a committed document is in place — after the change was
 * acknowledged, off its path — in batches (one write for every commit that
 * landed while the previous write ran), with the summaries of the documents
 * as committed, never replacing an entry by one of an earlier
 * `modified` (and a publish never reads its document back). It is rebuilt from the documents
 * when the driver opens (repairing an update lost to a crash between the
 * commit and the index write) and whenever it is missing, damaged or larger
 * than `maxIndexBytes`. Reads are cached and revalidated by a stat of the
 * file, so another process's update is seen at once.
 *
 * Nothing the data directory holds can stop the index from being built: a
 * document that is not a regular file, is larger than `maxDocumentBytes`, is
 * not JSON, is not a plugin document, or carries a name other than its
 * directory's (or one no longer valid) is reported through `log` and left out
 * of the list; summaries carry descriptions cut to the manifest bound; the
 * file is written entry by entry, never as one giant string.
 */
import { statSync, type Stats } from 'node:fs';
import { lstat, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginDocument, PluginSummary } from '../../src/core/registry/index.js';
import { MANIFEST_FIELD_LIMITS, validatePluginName } from '../../src/core/plugin/index.js';
import { cutDescription, summarize } from '../documents.js';
import { sameFile, tempFileName } from '../fs/atomic.js';
import type { Locks } from '../fs/lease.js';
import type { RegistryLogEntry } from '../options.js';
import { readDataFile, readProblem } from './fs-read.js';

interface IndexFile {
  version: 1;
  plugins: Record<string, PluginSummary>;
  /** The document file each summary was made from (see fileSignature); absent in an index written before them. */
  files?: Record<string, string>;
}

/** Document files stat'ed at once when the index is checked at start. */
const STAT_BATCH = 256;

/** Where the index lives, what it needs, and the bounds of what it reads. */
export interface FsIndexOptions {
  /** The index file (`<data>/index.json`). */
  file: string;
  /** The directory of plugin directories (`<data>/plugins`). */
  plugins: string;
  /** The temp directory for atomic writes. */
  temp: string;
  /** An index file larger than this is rebuilt instead of read. */
  maxIndexBytes: number;
  /** A document file larger than this is left out of the index. */
  maxDocumentBytes: number;
  /** Receives a line for every damaged file found. */
  log: (entry: RegistryLogEntry) => void;
}

type ReadResult = { bytes: Uint8Array } | { problem: string } | undefined;

/** index.json as last read or written by this process; current while a stat of the file gives the same. */
interface LoadedIndex {
  info: Stats;
  index: IndexFile;
  /** Each entry as written (`"name":{…}`, and `" name"` for its `files` entry), so that a write encodes only the entries that changed. */
  entries: Map<string, Uint8Array>;
  /** The summaries, sorted by name (a new array at each change: callers may hold the previous one). */
  list: PluginSummary[];
}

const decoder = new TextDecoder();

/** Reads and maintains index.json. */
export class FsIndex {
  readonly #options: FsIndexOptions;
  readonly #locks: Locks;
  #loaded: LoadedIndex | undefined;
  /** Summaries waiting for the next write of the index, with the stats of their document files. */
  #pending = new Map<string, { summary: PluginSummary; file: Stats | undefined }>();
  /** The write of the index in progress, and the one that follows it, shared by every update that arrived meanwhile. */
  #writing: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(options: FsIndexOptions, locks: Locks) {
    this.#options = options;
    this.#locks = locks;
  }

  /** Rebuilds index.json from every document on disk. */
  async rebuild(): Promise<void> {
    await this.#locks.withLock('index', () => this.#rebuild());
  }

  /**
   * Brings index.json in line with the documents on disk when the driver
   * opens: reads again only the documents whose file is not the one their
   * entry records, drops entries without a document, and writes the index
   * only when that changed it; rebuilds it from every document when it is
   * missing, damaged or too large.
   */
  async refresh(): Promise<void> {
    await this.#locks.withLock('index', async () => {
      const info = statSync(this.#options.file, { throwIfNoEntry: false });
      const index = info === undefined ? undefined : await this.#read();
      if (index === undefined) return this.#rebuild();
      const files: Record<string, string> = Object.assign(Object.create(null) as object, index.files);
      const plugins: Record<string, PluginSummary> = Object.create(null) as Record<string, PluginSummary>;
      const signatures: Record<string, string> = Object.create(null) as Record<string, string>;
      let changed = index.files === undefined;
      const directories = await readdir(this.#options.plugins);
      for (let start = 0; start < directories.length; start += STAT_BATCH) {
        const batch = directories.slice(start, start + STAT_BATCH);
        const stats = await Promise.all(batch.map((directory) => lstat(this.#documentPath(directory)).catch(() => undefined)));
        for (const [at, directory] of batch.entries()) {
          const name = directory.replace('%2F', '/');
          const file = stats[at];
          const signature = file?.isFile() ? fileSignature(file) : undefined;
          const held = index.plugins[name];
          if (signature !== undefined && held !== undefined && files[name] === signature) {
            plugins[name] = held;
            signatures[name] = signature;
            continue;
          }
          if (file === undefined) continue;
          changed = true;
          const summary = await this.#summaryAt(this.#documentPath(directory), name);
          if (summary === undefined) continue;
          plugins[name] = summary;
          if (signature !== undefined) signatures[name] = signature;
        }
      }
      if (Object.keys(plugins).length !== Object.keys(index.plugins).length) changed = true;
      if (changed) return this.#write({ version: 1, plugins, files: signatures });
      this.#loaded = { info: info!, index, entries: new Map(), list: sortedSummaries(index) };
    });
  }

  /**
   * Records the summary of a document that was just put in place, with the
   * stats of the file it was put in (taken right after its rename, with
   * nothing in between, so the entry records the very file its summary was
   * made from). Updates
   * that arrive while the index is being written are written together by
   * the next write, which every one of them waits for: index.json is
   * written about once per write time however many changes land (it is
   * derived from the documents, not flushed, and rebuilt from them when
   * they disagree). An entry is never replaced by one of an earlier
   * `modified` (every change of a document moves it forward).
   */
  update(name: string, summary: PluginSummary, file: Stats | undefined): Promise<void> {
    const held = this.#pending.get(name);
    if (held === undefined || !isLater(held.summary.modified, summary.modified)) this.#pending.set(name, { summary, file });
    if (this.#queued !== undefined) return this.#queued;
    const after = this.#writing ?? Promise.resolve();
    const queued: Promise<void> = after.then(
      () => this.#writePending(queued),
      () => this.#writePending(queued),
    );
    this.#queued = queued;
    return queued;
  }

  async #writePending(queued: Promise<void>): Promise<void> {
    if (this.#queued === queued) this.#queued = undefined;
    const batch = this.#pending;
    this.#pending = new Map();
    const writing = this.#locks.withLock('index', async () => {
      const loaded = await this.#load();
      if (loaded === undefined) return this.#rebuild();
      const { index, entries } = loaded;
      let list: PluginSummary[] | undefined = loaded.list;
      index.files ??= Object.create(null) as Record<string, string>;
      for (const [name, { summary, file }] of batch) {
        const held = index.plugins[name] as Partial<PluginSummary> | undefined;
        if (typeof held?.modified === 'string' && isLater(held.modified, summary.modified)) continue;
        index.plugins[name] = summary;
        if (file?.isFile()) index.files[name] = fileSignature(file);
        else delete index.files[name];
        entries.delete(name);
        entries.delete(FILE_KEY + name);
        list = list === undefined ? undefined : withRow(list, summary);
      }
      await this.#write(index, entries, list);
    });
    this.#writing = writing;
    try {
      await writing;
    } finally {
      if (this.#writing === writing) this.#writing = undefined;
    }
  }

  /** Resolves once the updates recorded so far are written (or failed). */
  async settled(): Promise<void> {
    for (let pending = this.#queued ?? this.#writing; pending !== undefined; pending = this.#queued ?? this.#writing) await pending.catch(() => undefined);
  }

  /** Every summary, sorted by name, updates in flight written first (so the list holds every change this process committed). */
  async list(): Promise<PluginSummary[]> {
    await this.settled();
    const loaded = await this.#load();
    if (loaded !== undefined) return loaded.list;
    await this.rebuild();
    return this.#loaded?.list ?? [];
  }

  /** index.json as this process last read or wrote it while the file is still that one, else read again; undefined when missing, damaged or too large. */
  async #load(): Promise<LoadedIndex | undefined> {
    // Stat'ed before the read: should the file change in between, the next stat differs and reads it again.
    const info = statSync(this.#options.file, { throwIfNoEntry: false });
    if (info === undefined) return undefined;
    const loaded = this.#loaded;
    if (loaded !== undefined && sameFile(loaded.info, info)) return loaded;
    const index = await this.#read();
    if (index === undefined) return undefined;
    this.#loaded = { info, index, entries: new Map(), list: sortedSummaries(index) };
    return this.#loaded;
  }

  async #rebuild(): Promise<void> {
    const plugins: Record<string, PluginSummary> = Object.create(null) as Record<string, PluginSummary>;
    const files: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const directory of await readdir(this.#options.plugins)) {
      const name = directory.replace('%2F', '/');
      const path = this.#documentPath(directory);
      // Stat'ed before the read: should the file change in between, the next refresh reads it again.
      const file = await lstat(path).catch(() => undefined);
      const summary = await this.#summaryAt(path, name);
      if (summary === undefined) continue;
      plugins[name] = summary;
      if (file?.isFile()) files[name] = fileSignature(file);
    }
    await this.#write({ version: 1, plugins, files });
  }

  #documentPath(directory: string): string {
    return join(this.#options.plugins, directory, 'document.json');
  }

  /** The summary of the document at `path`, which must be `name`'s; undefined (logged when damaged) otherwise. */
  async #summaryAt(path: string, name: string): Promise<PluginSummary | undefined> {
    const read = await readBounded(path, this.#options.maxDocumentBytes);
    if (read === undefined) return undefined;
    const document = 'bytes' in read ? parseJson(read.bytes) : undefined;
    const problem = 'problem' in read ? read.problem : describeDocument(document, name);
    if (problem === undefined) return summarize(document as PluginDocument);
    this.#options.log({ level: 'error', message: `index: left out ${path}: ${problem}` });
    return undefined;
  }

  /** The index file; undefined (logged unless missing) when it is missing, too large or damaged. */
  async #read(): Promise<IndexFile | undefined> {
    const read = await readBounded(this.#options.file, this.#options.maxIndexBytes);
    if (read === undefined) return undefined;
    const parsed = 'bytes' in read ? (parseJson(read.bytes) as Partial<IndexFile> | undefined) : undefined;
    const valid = parsed?.version === 1 && typeof parsed.plugins === 'object' && parsed.plugins !== null && !Array.isArray(parsed.plugins);
    if (valid) return { version: 1, plugins: Object.assign(Object.create(null) as object, parsed.plugins), ...filesOf(parsed.files) };
    const problem = 'problem' in read ? read.problem : 'it is not an index (version 1) in JSON';
    this.#options.log({ level: 'error', message: `index: rebuilding ${this.#options.file}: ${problem}` });
    return undefined;
  }

  /**
   * Writes index.json; `entries` holds entries already serialized (kept for
   * the next write), `list` the sorted summaries when the caller has them.
   */
  async #write(index: IndexFile, entries = new Map<string, Uint8Array>(), list?: PluginSummary[]): Promise<void> {
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
    this.#loaded = undefined;
    // Derived from the documents: not flushed. Written through the thread pool, off the answers' path (a rename over the file takes a quarter of a millisecond on ext4).
    const temp = join(this.#options.temp, tempFileName());
    try {
      await writeFile(temp, bytes, { flag: 'wx', mode: 0o644 });
      await rename(temp, this.#options.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const info = statSync(this.#options.file, { throwIfNoEntry: false });
    if (info !== undefined) this.#loaded = { info, index, entries, list: list ?? sortedSummaries(index) };
  }
}

const COMMA = new TextEncoder().encode(',');
/** Prefix of the keys of `files` entries in LoadedIndex.entries (no plugin name starts with a space). */
const FILE_KEY = ' ';

/** What identifies one version of a document file: a commit renames a new file into place (a new inode). */
function fileSignature(file: Stats): string {
  return `${file.dev}:${file.ino}:${file.size}:${file.mtimeMs}`;
}

/** The `files` of an index as read: only string values, none when it has none. */
function filesOf(value: unknown): { files?: Record<string, string> } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const files: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, signature] of Object.entries(value)) if (typeof signature === 'string') files[name] = signature;
  return { files };
}

/** True when the time `held` is after `next` (ISO times; a value that is not a time never is). */
function isLater(held: string, next: string): boolean {
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
function sortedSummaries(index: IndexFile): PluginSummary[] {
  const list: PluginSummary[] = [];
  for (const value of Object.values(index.plugins) as unknown[]) {
    const row = rowOf(value);
    if (row !== undefined) list.push(row);
  }
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `list` (sorted by name) with `summary`'s row in place of the row of that name, or inserted in order. */
function withRow(list: readonly PluginSummary[], summary: PluginSummary): PluginSummary[] | undefined {
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

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/** The bytes of a regular file of at most `maxBytes`; undefined when it does not exist, a problem when it cannot be read (see fs-read.ts). */
async function readBounded(path: string, maxBytes: number): Promise<ReadResult> {
  try {
    const bytes = await readDataFile(path, maxBytes);
    return bytes === undefined ? undefined : { bytes };
  } catch (error) {
    return { problem: readProblem(path, error) };
  }
}
