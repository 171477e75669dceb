/**
 * Whether a context has aborted and why, with its AbortSignal made only when
 * someone asks for it. Making an AbortController and its signal costs more
 * than the rest of a context (and most calls end without anyone listening),
 * so a context keeps the state itself; its signal, once read, aborts with
 * the same reason, at once when the state has aborted already. The host's
 * call machinery listens here directly (`listen`) rather than on the signal.
 *
 * A state may follow an outside signal lazily (`follow`): it reads that
 * signal's `aborted` whenever its own state is asked for, and listens to it
 * only once someone listens here or reads the signal; a call that ends
 * without either adds no listener to the request's signal at all. It may
 * even follow the signal of a source not yet asked for it
 * (`followSource`, such as a Request whose signal the node:http bridge
 * makes on first read): the source's signal is read only when someone
 * listens here or reads this state's signal, so a call that ends without
 * either never makes it.
 */

/** Something whose `signal` is made when read, such as a Request of the node:http bridge. */
export interface SignalSource {
  readonly signal: AbortSignal;
}

/** An abort flag and reason, its AbortSignal made on first read. */
export class AbortState {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  /** The first listener, then the others: a call's context usually has one, which needs no Set. */
  #listener: ((reason: unknown) => void) | undefined;
  #listeners: Set<(reason: unknown) => void> | undefined;
  /** The outside signal followed lazily, and whether this listens to it yet. */
  #followed: AbortSignal | undefined;
  /** The source whose signal is followed once someone listens here (its signal not read before). */
  #source: SignalSource | undefined;
  #listening = false;
  /** The deadline timer of the owner, cleared on abort. */
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** True once aborted (the followed signal's abort counts as soon as it happened). */
  get aborted(): boolean {
    this.#pull();
    return this.#aborted;
  }

  /** Why it aborted (undefined before). */
  get reason(): unknown {
    this.#pull();
    return this.#reason;
  }

  /** The AbortSignal of this state, made on first read (already aborted when the state is). */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = this.#controller = new AbortController();
      this.#pull();
      this.#attach();
      if (this.#aborted) controller.abort(this.#reason);
    }
    return controller.signal;
  }

  /** Follows `signal`: aborts with its reason once it aborts, listening to it only when someone listens here. */
  follow(signal: AbortSignal): void {
    this.#followed = signal;
    this.#pull();
    if (this.#controller !== undefined || this.#listener !== undefined) this.#attach();
  }

  /** Follows the signal of `source`, reading it only once someone listens here or reads this state's signal. */
  followSource(source: SignalSource): void {
    this.#source = source;
    if (this.#controller !== undefined || this.#listener !== undefined) this.#attach();
  }

  /** Keeps the owner's deadline timer, cleared when this aborts. */
  setTimer(timer: ReturnType<typeof setTimeout> | undefined): void {
    this.#timer = timer;
  }

  /** The followed signal's abort, heard once listening (an EventListener object, so no closure per state). */
  handleEvent(): void {
    if (this.#followed) this.abort(this.#followed.reason);
  }

  /** Aborts with `reason` (the followed signal's, when it aborted first): the signal (when made) fires first, then the listeners; false when already aborted. */
  abort(reason: unknown): boolean {
    if (this.#aborted) return false;
    this.#source = undefined;
    const followed = this.#followed;
    if (followed !== undefined) {
      if (followed.aborted) reason = followed.reason;
      if (this.#listening) followed.removeEventListener('abort', this);
      this.#followed = undefined;
      this.#listening = false;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
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
    this.#pull();
    if (this.#aborted) {
      listener(this.#reason);
      return;
    }
    if (this.#listener === undefined) this.#listener = listener;
    else (this.#listeners ??= new Set()).add(listener);
    this.#attach();
  }

  /** Removes a listener added with `listen`. */
  unlisten(listener: (reason: unknown) => void): void {
    if (this.#listener === listener) this.#listener = undefined;
    else this.#listeners?.delete(listener);
  }

  /** Aborts now when the followed signal has aborted unheard. */
  #pull(): void {
    const followed = this.#followed;
    if (!this.#aborted && followed?.aborted) this.abort(followed.reason);
  }

  /** Starts listening to the followed signal (reading the source's first). */
  #attach(): void {
    const source = this.#source;
    if (source !== undefined && !this.#aborted) {
      this.#source = undefined;
      this.#followed = source.signal;
    }
    if (this.#followed === undefined || this.#listening || this.#aborted) return;
    if (this.#followed.aborted) {
      this.abort(this.#followed.reason);
      return;
    }
    this.#listening = true;
    this.#followed.addEventListener('abort', this);
  }
}
