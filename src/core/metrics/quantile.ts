/**
 * Quantiles estimated from a histogram series, as Prometheus's
 * `histogram_quantile` does: find the bucket the rank falls in and
 * interpolate linearly inside it. Pages and reports use it for p50 and p99.
 */
import type { HistogramSeries } from './types.js';

/**
 * The `q`-quantile (0 ≤ q ≤ 1) of a series with these bucket bounds, or
 * undefined when it has no observations. A rank past the last bound answers
 * that bound (the +Inf bucket has no upper edge to interpolate to).
 * @example histogramQuantile(snapshot.bounds, series, 0.99)
 */
export function histogramQuantile(bounds: readonly number[], series: HistogramSeries, q: number): number | undefined {
  if (series.count === 0 || !(q >= 0 && q <= 1)) return undefined;
  const rank = q * series.count;
  let below = 0;
  for (let index = 0; index < bounds.length; index++) {
    const upTo = series.buckets[index] as number;
    if (upTo >= rank && upTo > below) {
      const lower = index === 0 ? 0 : (bounds[index - 1] as number);
      const upper = bounds[index] as number;
      return lower + ((upper - lower) * (rank - below)) / (upTo - below);
    }
    below = upTo;
  }
  return bounds.at(-1);
}
