/**
 * Counts the calls running on one plugin version, so that an upgrade or an
 * unload can wait until the version is idle (or give up after a grace
 * period). Shared by the in-process and the worker-isolated instances.
 */

/** The calls in flight on one version and the waiters for it to become idle. */
export class InFlight {
  #count = 0;
  #idleWaiters: Array<() => void> = [];

  /** The number of calls running now. */
  get count(): number {
    return this.#count;
  }

  /** Notes that a call started. */
  enter(): void {
    this.#count += 1;
  }

  /** Notes that a call ended; wakes the idle waiters when it was the last. */
  leave(): void {
    this.#count -= 1;
    if (this.#count === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  /** Notes that a call started; the returned function notes that it ended (once, however often it is called). */
  hold(): () => void {
    this.enter();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.leave();
    };
  }

  /** Resolves when no call is running, or after `graceMs`, whichever comes first. */
  idle(graceMs: number): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, graceMs);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.#idleWaiters.push(finish);
    });
  }
}
