/**
 * A per-key mutex inside one process: callers for the same key run one after
 * another, in arrival order; different keys run in parallel. The filesystem
 * driver puts its cross-process lock file behind it, so that one process
 * never polls for a lock it already holds itself.
 */

/** Serializes async work per key. */
export class KeyedMutex {
  #tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier holder of `key` has finished. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
