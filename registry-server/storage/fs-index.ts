/**
 * The plugin index of the filesystem driver: `index.json` holds the summary
 * of every plugin so that listing reads one file, not every document. It is
 * updated under the `index` lock after each document commit, with the
 * summary of the document as committed, never replacing an entry by one of an
 * earlier `modified`, so concurrent writers in several processes leave it
 * right whatever order they get the lock in (and a publish never reads its
 * document back). It is rebuilt from the documents
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
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginDocument, PluginSummary } from '../../src/core/registry/index.js';
import { validatePluginName } from '../../src/core/plugin/index.js';
import { cutDescription, summarize } from '../documents.js';
import { writeFileAtomic } from '../../src/node/atomic-write.js';
import { inTemp, sameFile } from '../fs/atomic.js';
import type { FileLocks } from '../fs/lock.js';
import type { RegistryLogEntry } from '../options.js';
import { readDataFile, readProblem } from './fs-read.js';

interface IndexFile {
  version: 1;
  plugins: Record<string, PluginSummary>;
}

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

const decoder = new TextDecoder();

/** Reads and maintains index.json. */
export class FsIndex {
  readonly #options: FsIndexOptions;
  readonly #locks: FileLocks;
  #cached: { info: Stats; list: PluginSummary[] } | undefined;

  constructor(options: FsIndexOptions, locks: FileLocks) {
    this.#options = options;
    this.#locks = locks;
  }

  /** Rebuilds index.json from every document on disk. */
  async rebuild(): Promise<void> {
    await this.#locks.withLock('index', () => this.#rebuild());
  }

  /**
   * Records the summary of a document that was just committed. Two processes
   * may commit one after the other and reach this lock in the other order,
   * so an entry is never replaced by one of an earlier `modified` (every
   * change of a document moves it forward): the index keeps the newest commit's summary
   * without reading the document back.
   */
  async update(name: string, summary: PluginSummary): Promise<void> {
    await this.#locks.withLock('index', async () => {
      const index = await this.#read();
      if (index === undefined) return this.#rebuild();
      const held = index.plugins[name] as Partial<PluginSummary> | undefined;
      if (typeof held?.modified === 'string' && isLater(held.modified, summary.modified)) return;
      index.plugins[name] = summary;
      await this.#write(index);
    });
  }

  /** Every summary, sorted by name. */
  async list(): Promise<PluginSummary[]> {
    const info = statSync(this.#options.file, { throwIfNoEntry: false });
    const cached = this.#cached;
    if (info !== undefined && cached !== undefined && sameFile(cached.info, info)) return cached.list;
    const index = info === undefined ? undefined : await this.#read();
    if (index === undefined) {
      await this.rebuild();
      return this.#cached?.list ?? [];
    }
    const list = sortedSummaries(index);
    this.#cached = { info: info!, list };
    return list;
  }

  async #rebuild(): Promise<void> {
    const plugins: Record<string, PluginSummary> = Object.create(null) as Record<string, PluginSummary>;
    for (const directory of await readdir(this.#options.plugins)) {
      const name = directory.replace('%2F', '/');
      const summary = await this.#summaryAt(join(this.#options.plugins, directory, 'document.json'), name);
      if (summary !== undefined) plugins[name] = summary;
    }
    await this.#write({ version: 1, plugins });
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
    if (valid) return { version: 1, plugins: Object.assign(Object.create(null) as object, parsed.plugins) };
    const problem = 'problem' in read ? read.problem : 'it is not an index (version 1) in JSON';
    this.#options.log({ level: 'error', message: `index: rebuilding ${this.#options.file}: ${problem}` });
    return undefined;
  }

  async #write(index: IndexFile): Promise<void> {
    const encoder = new TextEncoder();
    const chunks: Uint8Array[] = [encoder.encode('{"version":1,"plugins":{')];
    let first = true;
    for (const [name, summary] of Object.entries(index.plugins)) {
      chunks.push(encoder.encode(`${first ? '' : ','}${JSON.stringify(name)}:${JSON.stringify(summary)}`));
      first = false;
    }
    chunks.push(encoder.encode('}}'));
    const bytes = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    await writeFileAtomic(this.#options.file, bytes, { ...inTemp(this.#options.temp), sync: false }); // derived from the documents: not flushed
    const info = statSync(this.#options.file, { throwIfNoEntry: false });
    if (info !== undefined) this.#cached = { info, list: sortedSummaries(index) };
  }
}

/** True when the time `held` is after `next` (ISO times; a value that is not a time never is). */
function isLater(held: string, next: string): boolean {
  const a = Date.parse(held);
  const b = Date.parse(next);
  return Number.isFinite(a) && Number.isFinite(b) && a > b;
}

/** Index entries that look like summaries, sorted by name, descriptions cut to the manifest bound. */
function sortedSummaries(index: IndexFile): PluginSummary[] {
  const list: PluginSummary[] = [];
  for (const value of Object.values(index.plugins) as unknown[]) {
    const row = value as Partial<Record<keyof PluginSummary, unknown>> | null;
    if (typeof row !== 'object' || row === null || typeof row.name !== 'string' || typeof row.modified !== 'string') continue;
    list.push({
      name: row.name,
      ...(typeof row.description === 'string' ? { description: cutDescription(row.description) } : {}),
      ...(typeof row.latest === 'string' && row.latest.length <= 256 ? { latest: row.latest } : {}),
      modified: row.modified,
    });
  }
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
