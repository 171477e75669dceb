/**
 * The port through which the registry keeps upload bodies out of memory:
 * a place for temp files, supplied by the runtime (createFsUploadSpool in
 * Node), so the handler itself stays web-standard.
 */

/** Where upload bodies larger than `uploads.memoryBytes` wait until they have all arrived. */
export interface UploadSpool {
  /** A new, empty temp file for one body; nobody else can open it. */
  create(): Promise<SpoolFile>;
}

/** One temp file of an upload. */
export interface SpoolFile {
  /** Appends bytes at the end. */
  append(bytes: Uint8Array): Promise<void>;
  /** Up to `length` bytes from `position` (fewer only at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Closes the file and removes it. */
  close(): Promise<void>;
}
