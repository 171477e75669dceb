/**
 * What every fuzz property shares: how many cases to run (bounded in
 * `npm test`, `PLUGHUB_FUZZ_RUNS=<n>` for more), how to replay a failure
 * (`PLUGHUB_FUZZ_SEED` and `PLUGHUB_FUZZ_PATH`, from the seed and path that
 * fast-check prints), and the check every case makes: the code under test
 * accepts the input or refuses it with a PlughubError, within a time limit;
 * any other exception, a hang or a slow case fails the property.
 */
import type * as fc from 'fast-check';
import { isPlughubError, type PlughubError } from '../../src/core/errors/index.js';

/** The longest one case may take, in milliseconds, before it counts as a hang. */
export const CASE_TIME_LIMIT_MS = 2000;

const envRuns = Number(process.env.PLUGHUB_FUZZ_RUNS);
const envSeed = Number(process.env.PLUGHUB_FUZZ_SEED);
const envPath = process.env.PLUGHUB_FUZZ_PATH;

/** Cases for one property: `PLUGHUB_FUZZ_RUNS` when set, else the bounded count of `npm test`. */
export function fuzzRuns(defaultRuns: number): number {
  return Number.isSafeInteger(envRuns) && envRuns > 0 ? envRuns : defaultRuns;
}

/** The fast-check parameters of a property: its number of runs, and the seed and path to replay when given. */
export function fuzzParameters<T>(defaultRuns: number, msPerCase = 50): fc.Parameters<T> {
  return {
    numRuns: fuzzRuns(defaultRuns),
    // Report the smallest failure found so far before vitest's time-out ends the test.
    skipAllAfterTimeLimit: fuzzTimeout(defaultRuns, msPerCase) - 45_000,
    ...(Number.isSafeInteger(envSeed) ? { seed: envSeed } : {}),
    ...(envPath !== undefined && envPath !== '' ? { path: envPath } : {}),
  };
}

/**
 * The vitest time-out of a property test: the cases at `msPerCase` each,
 * plus time to shrink a failure (fuzzParameters stops shrinking 45 s before
 * this time-out, so that fast-check reports what it found).
 */
export function fuzzTimeout(defaultRuns: number, msPerCase = 50): number {
  return 120_000 + fuzzRuns(defaultRuns) * msPerCase;
}

/** What a case did with its input. */
export type Outcome<T> = { accepted: true; value: T } | { accepted: false; error: PlughubError };

/** An error that says what the code under test did wrong, so fast-check reports it as the failure. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

/** How long a case that passed its limit is still awaited, so that its leftover work does not slow the cases after it. */
const SETTLE_GRACE_MS = 30_000;

/**
 * Runs one case: resolves to what `run` returned, or to the PlughubError it
 * threw. Throws FuzzFailure when it threw anything else, or took longer than
 * `limitMs` (measured around synchronous work too, which no timer can cut
 * short). At the limit, `signal` aborts, so that a case stuck on its input
 * stops; a case that goes on working is awaited a while longer before the
 * failure is reported with the time it really took, so that the next cases
 * (fast-check's shrinking) run on a quiet process.
 */
export async function acceptOrRefuse<T>(run: (signal: AbortSignal) => T | Promise<T>, limitMs = CASE_TIME_LIMIT_MS): Promise<Outcome<T>> {
  const started = performance.now();
  const abort = new AbortController();
  const work = Promise.resolve().then(() => run(abort.signal));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<'limit'>((resolve) => {
    timer = setTimeout(() => resolve('limit'), limitMs);
  });
  const settled = work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const first = await Promise.race([settled, limit]);
  clearTimeout(timer);
  abort.abort(new FuzzFailure('the case is over'));
  if (first === 'limit') {
    const grace = new Promise<'grace'>((resolve) => {
      timer = setTimeout(() => resolve('grace'), SETTLE_GRACE_MS);
    });
    const late = await Promise.race([settled, grace]);
    clearTimeout(timer);
    const took = late === 'grace' ? `more than ${limitMs + SETTLE_GRACE_MS} ms` : `${Math.round(performance.now() - started)} ms`;
    throw new FuzzFailure(`the case took ${took}, more than the ${limitMs} ms allowed (a hang)`);
  }
  const elapsed = performance.now() - started;
  if (elapsed > limitMs) throw new FuzzFailure(`the case took ${Math.round(elapsed)} ms, more than the ${limitMs} ms allowed`);
  if ('value' in first) return { accepted: true, value: first.value };
  if (first.error instanceof FuzzFailure) throw first.error;
  if (!isPlughubError(first.error)) throw new FuzzFailure(`threw ${describeError(first.error)}, not a PlughubError`, { cause: first.error });
  return { accepted: false, error: first.error };
}

/** A stream of `chunks`, one per pull, that errors when `signal` aborts (so a reader stuck on it stops). */
export function abortableStream(chunks: readonly Uint8Array[], signal: AbortSignal): ReadableStream<Uint8Array> {
  let next = 0;
  let control: ReadableStreamDefaultController<Uint8Array> | undefined;
  const stop = () => {
    try {
      control?.error(signal.reason);
    } catch {
      // Already closed or errored: nothing left to stop.
    }
  };
  signal.addEventListener('abort', stop, { once: true });
  return new ReadableStream<Uint8Array>({
    start(controller) {
      control = controller;
    },
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]!);
      else controller.close();
    },
  });
}

/** Runs synchronous code, failing when it throws at all or takes longer than `limitMs`. */
export function neverThrows<T>(run: () => T, limitMs = CASE_TIME_LIMIT_MS): T {
  const started = performance.now();
  let value: T;
  try {
    value = run();
  } catch (error) {
    throw new FuzzFailure(`threw ${describeError(error)}, where it must not throw`, { cause: error });
  }
  const elapsed = performance.now() - started;
  if (elapsed > limitMs) throw new FuzzFailure(`the case took ${Math.round(elapsed)} ms, more than ${limitMs} ms`);
  return value;
}

/** `TypeError: Cannot read …`, with the first stack frame inside the project when there is one. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `a non-error ${typeof error}: ${String(error).slice(0, 200)}`;
  const frame = error.stack?.split('\n').find((line) => line.includes('/src/') || line.includes('/registry-server/'));
  return `${error.name}: ${error.message.slice(0, 300)}${frame ? ` (${frame.trim()})` : ''}`;
}
