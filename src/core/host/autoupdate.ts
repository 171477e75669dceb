/**
 * The autoUpdate loop of a host: it checks for updates every `intervalMs`
 * with setTimeout, re-armed only after a check has finished, so checks never
 * overlap. A platform adds moments of its own through `trigger` (the browser
 * host checks when the page becomes visible again); a trigger that fires
 * while a check runs is ignored, one that fires between checks runs a check
 * at once and restarts the interval. `stop()` ends it for good.
 */
import { UsageError } from '../errors/index.js';

/** Options of `createHost({ autoUpdate })`. */
export interface AutoUpdateOptions {
  /** Time between the end of one check and the start of the next (ms, > 0). */
  intervalMs: number;
  /**
   * Extra moments to check: called once with `check`, which it may call at
   * any time; may return a function that stops it (called on host.close()).
   */
  trigger?: (check: () => void) => (() => void) | void;
}

/** A running loop. */
export interface AutoUpdateLoop {
  /** Stops the timer and the trigger; a check that is running finishes. */
  stop(): void;
}

/**
 * Starts the loop; `check` must not reject (the host's checkUpdates reports
 * failures instead), but a rejection is passed to `onError` and the loop goes on.
 */
export function startAutoUpdate(options: AutoUpdateOptions, check: () => Promise<unknown>, onError: (error: unknown) => void): AutoUpdateLoop {
  const { intervalMs } = options;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new UsageError(`autoUpdate.intervalMs must be a finite number of ms > 0, got ${String(intervalMs)}`);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let stopped = false;

  function arm(): void {
    if (!stopped) timer = setTimeout(run, intervalMs);
  }

  function run(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (running || stopped) return;
    running = true;
    void check()
      .catch(onError)
      .finally(() => {
        running = false;
        arm();
      });
  }

  const stopTrigger = options.trigger?.(() => {
    if (!running && !stopped) run();
  });
  arm();

  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (typeof stopTrigger === 'function') stopTrigger();
    },
  };
}
