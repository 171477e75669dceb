/**
 * The error of a storage driver that finds its own data damaged: a stored
 * document that is not JSON, not a plugin document, larger than the driver
 * reads, or not a regular file. It is a problem of the server's data, not of
 * the request, so the registry answers it 503 E_UNAVAILABLE (registry.ts)
 * with this message, which names the plugin and the file, and logs it.
 */
import { PlughubError, registerErrorName } from '../../src/core/errors/index.js';

/** A stored document the driver cannot use; `file` is its path relative to the data directory. */
export class StoredDocumentError extends PlughubError {
  override name = 'StoredDocumentError';
  readonly file: string;
  constructor(message: string, plugin: string, file: string, cause?: unknown) {
    super(message, { plugin, ...(cause === undefined ? {} : { cause }) }, 'E_STORED_DOCUMENT');
    this.file = file;
  }
}
registerErrorName('StoredDocumentError');

/** Type guard for StoredDocumentError. */
export function isStoredDocumentError(error: unknown): error is StoredDocumentError {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'StoredDocumentError';
}

/**
 * A write to a data directory whose write lease another live process holds
 * (a `plughub serve` on it, most likely): one process writes a data
 * directory at a time. `directory` is the data directory, `holder` the
 * holder as its lease names it (`pid 4242 on build-1`).
 */
export class DataDirectoryBusyError extends PlughubError {
  override name = 'DataDirectoryBusyError';
  readonly directory: string;
  readonly holder: string;
  constructor(directory: string, holder: string, waitedMs: number, cause?: unknown) {
    super(
      `the data directory ${directory} is being written by ${holder} (it holds the directory's write lease, locks/writer.lock; waited ${waitedMs} ms): one process writes a data directory at a time, so stop that process first (several servers on one registry need PostgreSQL storage)`,
      cause === undefined ? {} : { cause },
      'E_DATA_DIRECTORY_BUSY',
    );
    this.directory = directory;
    this.holder = holder;
  }
}
registerErrorName('DataDirectoryBusyError');
