/**
 * Uploads in flight per token: a token holds a slot from the moment its
 * upload is accepted until the publish answers (success or failure), and may
 * hold at most `perToken` at once, so one token cannot pin the server with
 * many slow or stalled uploads.
 */

/** Counts the uploads each token has in flight. */
export class UploadSlots {
  readonly perToken: number;
  readonly #inUse = new Map<string, number>();

  constructor(perToken: number) {
    this.perToken = perToken;
  }

  /**
   * Takes a slot for the token; returns the function that gives it back
   * (calling it more than once is harmless), or undefined when the token
   * already holds all of its slots.
   */
  acquire(tokenId: string): (() => void) | undefined {
    const held = this.#inUse.get(tokenId) ?? 0;
    if (held >= this.perToken) return undefined;
    this.#inUse.set(tokenId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inUse.get(tokenId) ?? 1) - 1;
      if (left === 0) this.#inUse.delete(tokenId);
      else this.#inUse.set(tokenId, left);
    };
  }
}
