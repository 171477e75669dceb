/**
 * The pace an upload must keep: its whole body within `timeoutMs`, and at
 * least `minBytes` in every window of `windowMs`. As soon as either is
 * missed, `onCut` is called once with HttpError 408 E_UPLOAD_TIMEOUT (the
 * receiver cancels its read with it). One timer per upload, whatever the
 * number of chunks.
 */
import { HttpError } from '../http/errors.js';
import type { UploadLimits } from '../options.js';

/** Watches one upload's progress against its time limits. */
export class UploadPace {
  readonly #limits: UploadLimits;
  readonly #what: string;
  readonly #started = Date.now();
  #windowStarted = this.#started;
  #windowBytes = 0;
  #total = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onCut: (error: HttpError) => void;
  #cutBy: HttpError | undefined;

  /** Starts the clock; `what` names the upload in messages (`hello@1.0.0`). */
  constructor(limits: UploadLimits, what: string, onCut: (error: HttpError) => void) {
    this.#limits = limits;
    this.#what = what;
    this.#onCut = onCut;
    this.#schedule();
  }

  /** The 408 the upload was cut with, once it was. */
  get cutBy(): HttpError | undefined {
    return this.#cutBy;
  }

  /** Counts bytes received. */
  received(bytes: number): void {
    this.#windowBytes += bytes;
    this.#total += bytes;
  }

  /** Stops the clock (the body is complete, or the upload failed). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    const deadline = this.#started + this.#limits.timeoutMs;
    const windowEnd = this.#windowStarted + this.#limits.windowMs;
    this.#timer = setTimeout(() => this.#check(), Math.max(0, Math.min(deadline, windowEnd) - Date.now()));
    this.#timer.unref?.();
  }

  #check(): void {
    const now = Date.now();
    const { timeoutMs, windowMs, minBytes } = this.#limits;
    if (now - this.#started >= timeoutMs) {
      this.#cut(`the upload of ${this.#what} did not complete within ${timeoutMs} ms (${this.#total} bytes received): send it faster`);
    } else if (now - this.#windowStarted >= windowMs) {
      if (this.#windowBytes < minBytes) {
        this.#cut(
          `the upload of ${this.#what} sent ${this.#windowBytes} bytes in the last ${windowMs} ms (${this.#total} in all), ` +
            `less than the ${minBytes} bytes in ${windowMs} ms it must keep up`,
        );
        return;
      }
      this.#windowStarted = now;
      this.#windowBytes = 0;
      this.#schedule();
    } else {
      this.#schedule();
    }
  }

  #cut(message: string): void {
    this.stop();
    this.#cutBy = new HttpError(408, 'E_UPLOAD_TIMEOUT', message, { extra: { received: this.#total } });
    this.#onCut(this.#cutBy);
  }
}
