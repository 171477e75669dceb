/**
 * The options of the filesystem storage driver (fs.ts), their defaults, and
 * the directory name it gives a plugin.
 */
import type { LeaseOptions } from '../fs/lease.js';
import type { FileLockOptions } from '../fs/lock.js';
import type { RegistryLogEntry } from '../options.js';
import type { FsJournalOptions } from './fs-journal.js';
import { assertPluginName } from './snapshot.js';

/** Options of the filesystem driver. */
export interface FsStorageOptions {
  /** Bytes of blobs kept in memory (default 64 MiB). */
  blobCacheBytes?: number;
  /** Bytes of documents kept in memory (default 16 MiB). */
  documentCacheBytes?: number;
  /** Longest time a cached document is served without checking its file (default 1000 ms; 0: check on every read). */
  revalidateMs?: number;
  /**
   * Milliseconds between writes of the download counts (default 5000): a
   * crash loses at most the counts of the last interval; `close()` and
   * `flushDownloads()` write them at once.
   */
  downloadsFlushMs?: number;
  /** Timing of the download counts' lock files (mostly for tests). */
  locks?: FileLockOptions;
  /**
   * When the journal is checkpointed (storage/fs-journal.ts): `checkpointMs`
   * after the first change (30 s), or once it holds `checkpointBytes` (64
   * MiB); `beforePlacement` is a fault-injection point for crash tests,
   * awaited before acknowledged changes are put in place.
   */
  journal?: Pick<FsJournalOptions, 'checkpointMs' | 'checkpointBytes' | 'beforePlacement'>;
  /** Timing of the data directory's write lease (fs/lease.ts): how long a write waits for another process's, when one is abandoned. */
  lease?: LeaseOptions;
  /**
   * Runs just before a change's journal record is written, with the
   * document file it will replace: a fault-injection point for crash tests
   * (a process killed here must leave nothing visible).
   */
  beforeDocumentCommit?: (target: string) => Promise<void>;
  /** Receives a line for every damaged file found (default: a process warning). */
  log?: (entry: RegistryLogEntry) => void;
  /** A larger index.json is rebuilt from the documents instead of read (default 256 MiB). */
  maxIndexBytes?: number;
  /**
   * A larger document file is left out of the index, and reading or changing
   * it fails with StoredDocumentError (the registry answers 503); default 64 MiB.
   */
  maxDocumentBytes?: number;
}

/** Default of FsStorageOptions.maxIndexBytes: 256 MiB, well within what one string can hold. */
export const DEFAULT_MAX_INDEX_BYTES = 256 * 1024 * 1024;
/** Default of FsStorageOptions.maxDocumentBytes: 64 MiB (a publish keeps documents under 8 MiB). */
export const DEFAULT_MAX_STORED_DOCUMENT_BYTES = 64 * 1024 * 1024;

/** The directory name of a plugin: its name with the scope's `/` written `%2F`. */
export function pluginDirectoryName(name: string): string {
  assertPluginName(name);
  return name.replace('/', '%2F');
}
