/**
 * Order statistics and ratios. Percentiles interpolate linearly between closest ranks (NumPy's
 * default, R's type 7), so `median([1, 2, 3, 4]) === 2.5` and results match what a reader gets
 * from `numpy.percentile` on the raw JSON.
 */
import type { Better, MetricSummary } from './types.js';

/**
 * The `p`-th percentile (0–100) of `values`.
 *
 * @example
 * percentile([1, 2, 3, 4, 5], 90) // 4.6
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/**
 * The median of `values`.
 *
 * @example
 * median([3, 1, 2]) // 2
 */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Summarizes one metric over the rounds of one implementation. Each entry of `runs` is what a
 * runner reported: a number for whole-run metrics, an array of per-op samples otherwise (its
 * median becomes the run's value; all samples are pooled for the p99).
 *
 * @example
 * summarize([[1, 2, 3], [2, 3, 4]]).median // 2.5 (the median of the run medians 2 and 3)
 */
export function summarize(runs: ReadonlyArray<number | readonly number[]>): MetricSummary {
  if (runs.length === 0) throw new RangeError('summarize needs at least one run');
  const pooled: number[] = [];
  const runValues = runs.map((run) => {
    if (typeof run === 'number') return run;
    pooled.push(...run);
    return median(run);
  });
  const summary: MetricSummary = {
    runValues,
    median: median(runValues),
    min: Math.min(...runValues),
    max: Math.max(...runValues),
    p10: percentile(runValues, 10),
    p90: percentile(runValues, 90),
    samples: pooled.length,
  };
  if (pooled.length > 0) summary.p99 = percentile(pooled, 99);
  return summary;
}

/**
 * `value / baseline`, or `undefined` when it is not defined (a zero or missing baseline).
 *
 * @example
 * ratio(115, 100) // 1.15
 */
export function ratio(value: number, baseline: number): number | undefined {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return undefined;
  return value / baseline;
}

/**
 * How much better than the baseline a ratio is, whatever the metric's direction: above 1 is
 * better (faster, smaller), below 1 worse.
 *
 * @example
 * relativePerformance(2, 'lower') // 0.5: takes twice as long
 * relativePerformance(2, 'higher') // 2: twice the throughput
 */
export function relativePerformance(valueRatio: number, better: Better): number {
  return better === 'lower' ? 1 / valueRatio : valueRatio;
}
