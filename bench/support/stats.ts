/**
 * The statistics every benchmark prints: the median (the mean of the two
 * middle values of an even count) and a nearest-rank percentile of a list
 * of samples. The samples are not changed.
 */

/** The median of `samples` (NaN for none). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The nearest-rank percentile of `samples`, `fraction` in (0, 1]: `percentile(s, 0.99)` is the p99 (NaN for none). */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}
