/**
 * A gate between work that may run alongside other work of its kind (a
 * journal's changes) and work that must run alone (its checkpoint): the
 * exclusive work waits for the shared work in flight to finish, and new
 * shared work waits for the exclusive work to end.
 */

/** Shared work runs alongside other shared work; exclusive work runs alone, once the shared work in flight is done, new shared work waiting. */
export class Gate {
  #active = 0;
  #exclusive: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  /** Runs `work` alongside other shared work, after any exclusive work queued before it. */
  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.#exclusive !== undefined) await this.#exclusive;
    this.#active++;
    try {
      return await work();
    } finally {
      if (--this.#active === 0) this.#drained?.();
    }
  }

  /** Runs `work` alone, once the shared work in flight is done. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.#exclusive !== undefined) await this.#exclusive;
    let done!: () => void;
    this.#exclusive = new Promise<void>((resolve) => (done = resolve));
    try {
      if (this.#active > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = undefined;
      return await work();
    } finally {
      this.#exclusive = undefined;
      done();
    }
  }
}
