/**
 * The plugin index of the filesystem driver: `index.json` holds the summary
 * of every plugin so that listing reads one file, not every document. It is
 * updated under the `index` lock after each document commit, from the
 * document as committed, so concurrent writers in several processes leave it
 * right whatever order they get the lock in. It is rebuilt from the documents
 * when the driver opens (repairing an update lost to a crash between the
 * commit and the index write) and whenever it is missing. Reads are cached
 * and revalidated by a stat of the file, so another process's update is seen
 * at once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { PluginDocument, PluginSummary } from '../../src/core/document.js';
import { summarize } from '../documents.js';
import { sameFile, writeFileAtomic } from '../fs/atomic.js';
import type { FileLocks } from '../fs/lock.js';

interface IndexFile {
  version: 1;
  plugins: Record<string, PluginSummary>;
}

/** Where the index lives and what it needs. */
export interface FsIndexPaths {
  /** The index file (`<data>/index.json`). */
  file: string;
  /** The directory of plugin directories (`<data>/plugins`). */
  plugins: string;
  /** The temp directory for atomic writes. */
  temp: string;
}

/** Reads and maintains index.json. */
export class FsIndex {
  readonly #paths: FsIndexPaths;
  readonly #locks: FileLocks;
  #cached: { info: Stats; list: PluginSummary[] } | undefined;

  constructor(paths: FsIndexPaths, locks: FileLocks) {
    this.#paths = paths;
    this.#locks = locks;
  }

  /** Rebuilds index.json from every document on disk. */
  async rebuild(): Promise<void> {
    await this.#locks.withLock('index', async () => {
      const plugins: Record<string, PluginSummary> = {};
      for (const directory of await readdir(this.#paths.plugins)) {
        const document = await readDocument(join(this.#paths.plugins, directory, 'document.json'));
        if (document !== undefined) plugins[document.name] = summarize(document);
      }
      await this.#write({ version: 1, plugins });
    });
  }

  /** Records the summary of a document that was just committed at `documentPath`. */
  async update(name: string, documentPath: string): Promise<void> {
    await this.#locks.withLock('index', async () => {
      const index = (await this.#read()) ?? { version: 1, plugins: {} };
      const document = await readDocument(documentPath);
      if (document === undefined) delete index.plugins[name];
      else index.plugins[name] = summarize(document);
      await this.#write(index);
    });
  }

  /** Every summary, sorted by name. */
  async list(): Promise<PluginSummary[]> {
    const info = statSync(this.#paths.file, { throwIfNoEntry: false });
    if (info === undefined) {
      await this.rebuild();
      return this.list();
    }
    const cached = this.#cached;
    if (cached !== undefined && sameFile(cached.info, info)) return cached.list;
    const index = await this.#read();
    const list = Object.values(index?.plugins ?? {}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.#cached = { info, list };
    return list;
  }

  async #read(): Promise<IndexFile | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.#paths.file, 'utf8')) as IndexFile;
      return parsed.version === 1 && typeof parsed.plugins === 'object' ? parsed : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async #write(index: IndexFile): Promise<void> {
    await writeFileAtomic(this.#paths.temp, this.#paths.file, new TextEncoder().encode(JSON.stringify(index)));
  }
}

async function readDocument(path: string): Promise<PluginDocument | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PluginDocument;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}
