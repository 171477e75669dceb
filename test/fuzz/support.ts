/**
 * What every fuzz property shares: how many cases to run (bounded in
 * `npm test`, `PLUGHUB_FUZZ_RUNS=<n>` for more), how to replay a failure
 * (`PLUGHUB_FUZZ_SEED` and `PLUGHUB_FUZZ_PATH`, from the seed and path that
 * fast-check prints), and the check every case makes: the code under test
 * accepts the input or refuses it with a PlughubError, within a time limit;
 * any other exception, a hang or a slow case fails the property.
 */
import * as fc from 'fast-check';
import { isPlughubError, type PlughubError } from '../../src/core/errors.js';

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
export function fuzzParameters<T>(defaultRuns: number): fc.Parameters<T> {
  return {
    numRuns: fuzzRuns(defaultRuns),
    ...(Number.isSafeInteger(envSeed) ? { seed: envSeed } : {}),
    ...(envPath !== undefined && envPath !== '' ? { path: envPath } : {}),
  };
}

/**
 * The vitest time-out of a property test: room for every case at its limit
 * would be far too much, so this allows the bounded run plus the shrinking of
 * one failure (a few dozen cases that may each hit the limit).
 */
export function fuzzTimeout(defaultRuns: number, msPerCase = 50): number {
  return 60_000 + fuzzRuns(defaultRuns) * msPerCase;
}

/** What a case did with its input. */
export type Outcome<T> = { accepted: true; value: T } | { accepted: false; error: PlughubError };

/** An error that says what the code under test did wrong, so fast-check reports it as the failure. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

/**
 * Runs one case: resolves to what `run` returned, or to the PlughubError it
 * threw. Throws FuzzFailure when it threw anything else, or took longer than
 * `limitMs` (measured around synchronous work too, which no timer can cut short).
 */
export async function acceptOrRefuse<T>(run: () => T | Promise<T>, limitMs = CASE_TIME_LIMIT_MS): Promise<Outcome<T>> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFailure(`the case did not finish within ${limitMs} ms (a hang)`)), limitMs);
  });
  let outcome: Outcome<T>;
  try {
    outcome = { accepted: true, value: await Promise.race([Promise.resolve().then(run), hang]) };
  } catch (error) {
    if (error instanceof FuzzFailure) throw error;
    if (!isPlughubError(error)) throw new FuzzFailure(`threw ${describeError(error)}, not a PlughubError`, { cause: error });
    outcome = { accepted: false, error };
  } finally {
    clearTimeout(timer);
  }
  const elapsed = performance.now() - started;
  if (elapsed > limitMs) throw new FuzzFailure(`the case took ${Math.round(elapsed)} ms, more than ${limitMs} ms`);
  return outcome;
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
