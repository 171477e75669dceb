/**
 * Whether a context has aborted and why, with its AbortSignal made only when
 * someone asks for it. Making an AbortController and its signal costs more
 * than the rest of a context (and most calls end without anyone listening),
 * so a context keeps the state itself; its signal, once read, aborts with
 * the same reason, at once when the state has aborted already. The host's
 * call machinery listens here directly (`listen`) rather than on the signal.
 */

/** An abort flag and reason, its AbortSignal made on first read. */
export class AbortState {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  /** The first listener, then the others: a call's context usually has one, which needs no Set. */
  #listener: ((reason: unknown) => void) | undefined;
  #listeners: Set<(reason: unknown) => void> | undefined;

  /** True once `abort` was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The reason given to `abort` (undefined before). */
  get reason(): unknown {
    return this.#reason;
  }

  /** The AbortSignal of this state, made on first read (already aborted when the state is). */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = this.#controller = new AbortController();
      if (this.#aborted) controller.abort(this.#reason);
    }
    return controller.signal;
  }

  /** Aborts with `reason`: the signal (when made) fires first, then the listeners; false when already aborted. */
  abort(reason: unknown): boolean {
    if (this.#aborted) return false;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const first = this.#listener;
    const others = this.#listeners;
    this.#listener = undefined;
    this.#listeners = undefined;
    first?.(reason);
    if (others) for (const listener of others) listener(reason);
    return true;
  }

  /** Calls `listener` with the reason once this aborts (at once when it has); `unlisten` removes it. */
  listen(listener: (reason: unknown) => void): void {
    if (this.#aborted) listener(this.#reason);
    else if (this.#listener === undefined) this.#listener = listener;
    else (this.#listeners ??= new Set()).add(listener);
  }

  /** Removes a listener added with `listen`. */
  unlisten(listener: (reason: unknown) => void): void {
    if (this.#listener === listener) this.#listener = undefined;
    else this.#listeners?.delete(listener);
  }
}
