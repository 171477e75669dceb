/**
 * Signals for a long-running service: the first SIGTERM or SIGINT asks for a
 * graceful stop (the service stops accepting, lets requests in flight finish
 * within its grace period, deactivates its plugins, exits 0); a second one,
 * while that is under way, means "now": the process exits at once with the
 * shell's code for the signal (130 for SIGINT, 143 for SIGTERM).
 */

/** Exit codes of a process ended by a signal, as shells report them. */
const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** The signals watched, and how to stop watching. */
export interface StopSignals {
  /** Resolves with the first signal's name. */
  stopped: Promise<string>;
  /** Removes the listeners (after the stop, or when the start failed). */
  cancel(): void;
}

/** What a second signal does; the default exits the process (tests pass their own). */
export type ExitNow = (signal: string, code: number) => void;

/**
 * Watches SIGTERM and SIGINT: `stopped` resolves on the first, and a second
 * calls `exitNow` (default: `process.exit` with 130 or 143).
 */
export function watchStopSignals(exitNow: ExitNow = (_signal, code) => process.exit(code)): StopSignals {
  let first: string | undefined;
  let done: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    done = resolve;
  });
  const onSignal = (signal: string) => {
    if (first === undefined) {
      first = signal;
      done(signal);
      return;
    }
    exitNow(signal, SIGNAL_EXIT_CODES[signal] ?? 1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    cancel() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
