/**
 * How a change of the filesystem driver reaches the disk: through the data
 * directory's write-ahead journal (`journal.log`, fs/journal.ts), held by
 * the process that holds the write lease (fs/lease.ts), one per directory
 * and thread.
 *
 * A change appends one record (the plugin's name, the bytes of the blobs it
 * stores and of its new document) and is durable, and acknowledged, once
 * the journal's fdatasync after it completed; every change in flight shares
 * that one flush. Its files are put in place right after the acknowledgment,
 * the cheap way (temp file, rename: blobs first, the document last, so
 * readers see a version entirely or not at all), this process serving them
 * from memory until then (fs-placement.ts), and remembered. A checkpoint (`checkpointMs` after the
 * first change it covers, 30 s, sooner once the journal passes
 * `checkpointBytes`, 64 MiB, and at close) puts in place whatever still
 * waits, flushes those files and their directories and then empties the
 * journal; changes wait while it runs. When the lease is taken, the
 * records of a journal left by a process that died (or lost power) are put
 * in place again in order, then checkpointed: replay is idempotent, since a
 * record holds whole files and content-addressed blobs. A record is
 * checked before it is applied (its plugin name, each blob's SHA-256, the
 * document naming that plugin); one that fails is skipped and logged, and
 * a torn tail — the record of a change that was never acknowledged — is
 * dropped and logged, as everything after a damaged frame is.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PluginDocument } from '../../src/core/registry/index.js';
import { flushDirectoryIfPresent, flushFiles } from '../fs/flush.js';
import { Gate } from '../fs/gate.js';
import { JournalFile, readJournal } from '../fs/journal.js';
import type { RegistryLogEntry } from '../options.js';
import { describeDocument } from './fs-index-entries.js';
import { decodeRecord, encodeRecord, MAX_HEADER_BYTES } from './fs-journal-record.js';
import { Placement } from './fs-placement.js';
import { parseDocument } from './snapshot.js';
import type { DocumentSnapshot } from './types.js';

/** The blobs of one change carried in its journal record, together at most this many bytes (larger ones are written and flushed apart). */
export const MAX_JOURNALED_BLOB_BYTES = 64 * 1024 * 1024;
const DEFAULT_CHECKPOINT_MS = 30_000;
const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024;
/** A checkpoint flushes the files put in place beside new changes at most this many times before it makes them wait. */
const EARLY_FLUSH_ROUNDS = 3;
/** ...and stops early once a round found no more files than this. */
const FEW_FILES = 32;

/** Where the journal puts things, and how often it checkpoints. */
export interface FsJournalOptions {
  root: string;
  blobs: string;
  /** The directory of plugin directories. */
  plugins: string;
  temp: string;
  /** The document file of a plugin. */
  documentPath: (name: string) => string;
  /** Largest document a record may carry. */
  maxDocumentBytes: number;
  log: (entry: RegistryLogEntry) => void;
  /** Checkpoint this long after the first change it covers (default 30 s: by then the kernel has mostly written the files back itself, and flushing them is cheap). */
  checkpointMs?: number;
  /** Checkpoint as soon as the journal is this large (default 64 MiB, which bounds the replay at start). */
  checkpointBytes?: number;
  /** A fault-injection point for crash tests: awaited before acknowledged changes are put in place (fs-placement.ts). */
  beforePlacement?: () => Promise<void>;
  /** How a checkpoint flushes the files put in place and their directories (default fs/flush.ts's flushFiles; tests slow it down). */
  flushFiles?: (files: readonly string[]) => Promise<void>;
}

/** One change as the journal records it (see fs-journal-record.ts). */
export interface JournalChange {
  name: string;
  /** The new document, as stored and served. */
  snapshot: DocumentSnapshot;
  /** Blobs to store with it (ones already stored are left out by the caller). */
  blobs: readonly { hex: string; bytes: Uint8Array }[];
  /** Called once the document is in place (see fs-placement.ts). */
  placed?: (snapshot: DocumentSnapshot) => void;
}

/** The journal of one data directory. */
export class FsJournal {
  readonly #options: FsJournalOptions;
  readonly #file: JournalFile;
  readonly #gate = new Gate();
  /** Acknowledged changes whose files are not in place yet, served from memory meanwhile. */
  readonly placement: Placement;
  /** During recovery: the `modified` of the document in place per plugin, read once, then that of each record applied. */
  #modifiedInPlace = new Map<string, string | undefined>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #checkpointing: Promise<void> | undefined;

  /** Opens `journal.log` of the data directory (call `recover` before the first change). */
  constructor(options: FsJournalOptions) {
    this.#options = options;
    this.#file = new JournalFile(join(options.root, 'journal.log'));
    this.placement = new Placement({ blobs: options.blobs, temp: options.temp, log: options.log, beforePlacement: options.beforePlacement });
  }

  /** Puts in place again what the journal holds (a previous process's changes), flushes it, and empties the journal; resolves to the records applied. */
  async recover(): Promise<number> {
    let applied = 0;
    const maxRecordBytes = MAX_JOURNALED_BLOB_BYTES + this.#options.maxDocumentBytes + MAX_HEADER_BYTES;
    const result = await readJournal(this.#file.path, maxRecordBytes, async (payload, offset) => {
      const problem = this.#applyRecord(payload);
      if (problem === undefined) applied++;
      else this.#options.log({ level: 'error', message: `journal: skipped the record at byte ${offset} of ${this.#file.path}: ${problem}` });
    });
    if (result.problem !== undefined) {
      this.#options.log({
        level: 'error',
        message: `journal: dropped the last ${result.droppedBytes} bytes of ${this.#file.path} (${result.problem}): the record of a change being written when the process stopped (never acknowledged), or damage`,
      });
    }
    this.#modifiedInPlace.clear();
    if (result.records > 0 || result.droppedBytes > 0) await this.checkpoint();
    else await this.#file.truncate();
    await this.#file.preallocate();
    return applied;
  }

  /**
   * Records `change` durably: resolves once it is durable, and served by
   * this process (`placement`); its files are put in place right after (see
   * the module comment).
   */
  commit(change: JournalChange): Promise<void> {
    return this.#gate.shared(async () => {
      await this.#file.append(encodeRecord(change));
      const { name, snapshot, blobs, placed } = change;
      this.placement.add({ name, target: this.#options.documentPath(name), snapshot, blobs, ...(placed === undefined ? {} : { placed }) });
      this.#scheduleCheckpoint();
    });
  }

  /**
   * Flushes every file put in place since the last checkpoint and their
   * directories, then empties the journal. Changes go on while the files
   * put in place so far are flushed (in up to EARLY_FLUSH_ROUNDS rounds,
   * until few are left); they wait only while the last ones are put in
   * place and flushed and the journal is emptied, where they waited for
   * every flush of the 30 s (a stall of a tenth of a second and more under
   * a steady stream of publishes).
   */
  checkpoint(): Promise<void> {
    this.#checkpointing ??= (async () => {
      // The paths of each round, handed back to the next checkpoint should this one fail.
      const flushed: string[][] = [];
      try {
        for (let round = 0; round < EARLY_FLUSH_ROUNDS; round++) {
          const files = this.placement.takePlacedPaths();
          flushed.push(files);
          await (this.#options.flushFiles ?? flushFiles)(files);
          if (files.length <= FEW_FILES) break;
        }
        await this.#gate.exclusive(async () => {
          clearTimeout(this.#timer);
          this.#timer = undefined;
          // Every change the journal holds must be in place, and flushed, before it may be emptied.
          await this.placement.placeAll();
          const files = this.placement.takePlacedPaths();
          flushed.push(files);
          await (this.#options.flushFiles ?? flushFiles)(files);
          // New plugin directories are entries of plugins/.
          await flushDirectoryIfPresent(this.#options.plugins);
          await this.#file.truncate();
        });
      } catch (error) {
        // Flushed or not, every path goes to the next checkpoint again.
        for (const files of flushed) this.placement.returnPlacedPaths(files);
        throw error;
      }
    })().finally(() => {
      this.#checkpointing = undefined;
    });
    return this.#checkpointing;
  }

  /** Checkpoints and closes the journal file. */
  async close(): Promise<void> {
    try {
      await this.checkpoint();
    } finally {
      clearTimeout(this.#timer);
      await this.#file.close();
    }
  }

  #scheduleCheckpoint(): void {
    if (this.#file.size >= (this.#options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES)) {
      queueMicrotask(() => void this.#checkpointLogged());
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => void this.#checkpointLogged(), this.#options.checkpointMs ?? DEFAULT_CHECKPOINT_MS);
    this.#timer.unref();
  }

  async #checkpointLogged(): Promise<void> {
    await this.checkpoint().catch((error: unknown) => {
      this.#options.log({ level: 'error', message: `journal: checkpoint of ${this.#options.root} failed (retried later): ${(error as Error).message}`, error });
      this.#scheduleCheckpoint();
    });
  }

  /** Applies one record read back at recovery; a problem with it, or undefined once applied. */
  #applyRecord(payload: Uint8Array): string | undefined {
    const decoded = decodeRecord(payload);
    if (typeof decoded === 'string') return decoded;
    const { name, blobs, document } = decoded;
    for (const blob of blobs) {
      if (createHash('sha256').update(blob.bytes).digest('hex') !== blob.hex) return `the blob ${blob.hex} of ${name} does not have that SHA-256`;
    }
    let value: unknown;
    try {
      value = parseDocument(document);
    } catch (error) {
      return `the document of ${name} is not JSON (${(error as Error).message})`;
    }
    const problem = describeDocument(value as PluginDocument, name);
    if (problem !== undefined) return `the document of ${name} cannot be used: ${problem}`;
    for (const blob of blobs) this.placement.placeFile(join(this.#options.blobs, blob.hex), blob.bytes);
    const target = this.#options.documentPath(name);
    // A record never takes a document back: the file in place is newer when a later record of the plugin was lost to damage.
    // The file is read once per plugin (then what a record wrote is remembered), so replay stays linear in the journal's size.
    if (!this.#modifiedInPlace.has(name)) this.#modifiedInPlace.set(name, modifiedOf(readIfDocument(target, this.#options.maxDocumentBytes)));
    const modified = (value as PluginDocument).modified;
    if (isLater(this.#modifiedInPlace.get(name), modified)) return undefined;
    mkdirSync(dirname(target), { recursive: true });
    this.placement.placeFile(target, document);
    this.#modifiedInPlace.set(name, modified);
    return undefined;
  }
}

const opened = new Map<string, { shares: number; journal: Promise<FsJournal> }>();
/** Journals of this process being closed (checkpointed), per directory: one opened meanwhile recovers only after that. */
const closing = new Map<string, Promise<void>>();

/**
 * The journal of the data directory `options.root`, shared by every storage
 * of this thread on it, recovered once (call it while holding the
 * directory's write lease); `release` drops this storage's share, and the
 * last one checkpoints and closes the journal.
 */
export function openJournal(options: FsJournalOptions): { journal: Promise<FsJournal>; release(): Promise<void> } {
  let entry = opened.get(options.root);
  if (entry === undefined) {
    const previous = (closing.get(options.root) ?? Promise.resolve()).catch(() => undefined);
    entry = {
      shares: 0,
      journal: previous.then(async () => {
        const journal = new FsJournal(options);
        try {
          await journal.recover();
        } catch (error) {
          await journal.close().catch(() => undefined);
          throw error;
        }
        return journal;
      }),
    };
    opened.set(options.root, entry);
  }
  const own = entry;
  own.shares++;
  let released = false;
  return {
    journal: own.journal,
    async release() {
      if (released) return;
      released = true;
      if (--own.shares > 0) return;
      if (opened.get(options.root) === own) opened.delete(options.root);
      const done = own.journal.then(
        (journal) => journal.close(),
        () => undefined,
      );
      closing.set(options.root, done);
      try {
        await done;
      } finally {
        if (closing.get(options.root) === done) closing.delete(options.root);
      }
    },
  };
}

/** The document file at `path` parsed, or undefined when it is missing, too large or not JSON. */
function readIfDocument(path: string, maxBytes: number): unknown {
  try {
    const info = statSync(path);
    if (!info.isFile() || info.size > maxBytes) return undefined;
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function modifiedOf(value: unknown): string | undefined {
  const modified = (value as { modified?: unknown } | null | undefined)?.modified;
  return typeof modified === 'string' ? modified : undefined;
}

/** True when the ISO time `held` is later than `next` (an unknown one is never later). */
function isLater(held: string | undefined, next: string): boolean {
  if (held === undefined) return false;
  const a = Date.parse(held);
  const b = Date.parse(next);
  return Number.isFinite(a) && Number.isFinite(b) && a > b;
}
