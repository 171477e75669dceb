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
