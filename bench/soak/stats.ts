/**
 * The figures the soak benchmark prints from a process's memory samples:
 * start (the mean of the first three samples after warm-up), end (the mean
 * of the last three), max, the growth end/start and
 * the least-squares slope over the second half of the run, in MB a minute.
 */
import type { MemorySample } from './child.js';

/** How many samples the start and the end each average (one full GC's reading moves by a few percent). */
const SAMPLES_AVERAGED = 3;

/** A sample taken `atMs` after the load began. */
export interface TimedSample extends MemorySample {
  atMs: number;
}

/** Start, end, max, growth and slope of one figure of one process. */
export interface Trend {
  start: number;
  end: number;
  max: number;
  growth: number;
  slopeMbPerMinute: number;
}

/** The least-squares slope of `points` (x in ms, y in bytes), in MB a minute. */
export function slopeMbPerMinute(points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  let numerator = 0;
  let denominator = 0;
  for (const [x, y] of points) {
    numerator += (x - meanX) * (y - meanY);
    denominator += (x - meanX) ** 2;
  }
  return denominator === 0 ? 0 : ((numerator / denominator) * 60_000) / (1024 * 1024);
}

/** The trend of `pick` over the samples taken after `warmupMs` (start and end each a mean of three), the slope over the second half of the run. */
export function trendOf(samples: TimedSample[], warmupMs: number, durationMs: number, pick: (sample: TimedSample) => number): Trend {
  const measured = samples.filter((sample) => sample.atMs >= warmupMs);
  if (measured.length === 0) throw new Error('no sample after the warm-up');
  const mean = (some: TimedSample[]) => some.reduce((sum, sample) => sum + pick(sample), 0) / some.length;
  const start = mean(measured.slice(0, SAMPLES_AVERAGED));
  const end = mean(measured.slice(-SAMPLES_AVERAGED));
  const secondHalf = measured.filter((sample) => sample.atMs >= durationMs / 2).map((sample): [number, number] => [sample.atMs, pick(sample)]);
  return { start, end, max: Math.max(...measured.map(pick)), growth: end / start, slopeMbPerMinute: slopeMbPerMinute(secondHalf) };
}

/** The width of a line's label (`bare node:http RSS-young`). */
export const LABEL_WIDTH = 26;

/** Megabytes with one decimal. */
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)}`;

/** A trend as one line of the table: start, end, max, growth and slope. */
export function trendLine(label: string, trend: Trend): string {
  const slope = `${trend.slopeMbPerMinute >= 0 ? '+' : ''}${trend.slopeMbPerMinute.toFixed(2)}`;
  return [
    label.padEnd(LABEL_WIDTH),
    mb(trend.start).padStart(8),
    mb(trend.end).padStart(8),
    mb(trend.max).padStart(8),
    trend.growth.toFixed(3).padStart(8),
    slope.padStart(10),
  ].join(' ');
}
