/**
 * The bytes of upload bodies the registry keeps in memory, all uploads
 * together. Each body is bounded on its own (`uploads.memoryBytes` with a
 * spool, the compressed-package limit without one), but many uploads at once
 * could still add up, above all in a registry embedded without a spool:
 * this budget (`uploads.memoryTotalBytes`) caps the sum. A body that would
 * pass it goes to the spool's temp file, or is refused when there is none.
 */

/** Counts the bytes upload bodies hold in memory against one budget. */
export class UploadMemory {
  readonly limit: number;
  #held = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /** Takes `bytes` from the budget; false (and nothing taken) when they do not fit. */
  reserve(bytes: number): boolean {
    if (this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  /** Gives `bytes` back. */
  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}
