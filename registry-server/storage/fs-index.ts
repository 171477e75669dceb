/**
 * The plugin index of the filesystem driver: `index.json` holds the summary
 * of every plugin so that listing reads one file, not every document. It is
 * updated once a committed document is in place — after the change was
 * acknowledged, off its path — in batches: one write for every commit that
 * landed while the previous write ran or in the `writeDelayMs` (100 ms)
 * after it, so that a registry taking many publishes rewrites the whole
 * index (megabytes, for ten thousand plugins) at most about ten times a
 * second, not once per publish. This process lists with every update
 * written first (no wait); another process sharing the directory sees a
 * new plugin in its list at most that long after the document itself. With
 * the summaries of the documents
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
import { summarize } from '../documents.js';
import { sameFile, tempFileName } from '../fs/atomic.js';
import type { Locks } from '../fs/lease.js';
import type { RegistryLogEntry } from '../options.js';
import {
  describeDocument,
  encodeIndex,
  FILE_KEY,
  fileSignature,
  filesOf,
  type IndexFile,
  isLater,
  parseJson,
  readBounded,
  sortedSummaries,
  withRow,
} from './fs-index-entries.js';

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
  /** How long after a write of the index the next one waits, gathering the updates meanwhile (default 100 ms). */
  writeDelayMs?: number;
}

const DEFAULT_WRITE_DELAY_MS = 100;

/** index.json as last read or written by this process; current while a stat of the file gives the same. */
interface LoadedIndex {
  info: Stats;
  index: IndexFile;
  /** Each entry as written (`"name":{…}`, and `" name"` for its `files` entry), so that a write encodes only the entries that changed. */
  entries: Map<string, Uint8Array>;
  /** The summaries, sorted by name (a new array at each change: callers may hold the previous one). */
  list: PluginSummary[];
}

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
  /** Ends the wait before the queued write now (set while it waits). */
  #hurry: (() => void) | undefined;
  /** Callers waiting for every update to be written: the queued write then waits for nothing. */
  #urgent = 0;

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
   * made from). Updates that arrive while the index is being written, and
   * in the `writeDelayMs` after, are written together by the next write,
   * which every one of them waits for: index.json is written about once per
   * write time and delay however many changes land (it is derived from the
   * documents, not flushed, and rebuilt from them when they disagree). An entry is never replaced by one of an earlier
   * `modified` (every change of a document moves it forward).
   */
  update(name: string, summary: PluginSummary, file: Stats | undefined): Promise<void> {
    const held = this.#pending.get(name);
    if (held === undefined || !isLater(held.summary.modified, summary.modified)) this.#pending.set(name, { summary, file });
    if (this.#queued !== undefined) return this.#queued;
    const after = this.#writing ?? Promise.resolve();
    const write = () => this.#delay().then(() => this.#writePending(queued));
    const queued: Promise<void> = after.then(write, write);
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

  /** The wait before a queued write (writeDelayMs), ended at once when someone waits for the updates (`settled`). */
  #delay(): Promise<void> {
    const ms = this.#options.writeDelayMs ?? DEFAULT_WRITE_DELAY_MS;
    if (ms <= 0 || this.#urgent > 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#hurry?.(), ms);
      this.#hurry = () => {
        clearTimeout(timer);
        this.#hurry = undefined;
        resolve();
      };
    });
  }

  /** Resolves once the updates recorded so far are written (or failed), writing them now rather than after the delay. */
  async settled(): Promise<void> {
    this.#urgent++;
    try {
      for (let pending = this.#queued ?? this.#writing; pending !== undefined; pending = this.#queued ?? this.#writing) {
        this.#hurry?.();
        await pending.catch(() => undefined);
      }
    } finally {
      this.#urgent--;
    }
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
    const bytes = encodeIndex(index, entries);
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
