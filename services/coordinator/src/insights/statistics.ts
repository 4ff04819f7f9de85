/** Summary of how long something took, over a set of samples. */
export interface DurationStats {
  count: number;
  meanMs: number;
  /** Population standard deviation: the samples are all the runs in the window, not a sample of them. */
  stdDevMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Mean, spread and percentiles of durations; `undefined` without samples. Percentiles interpolate
 * linearly between the closest ranks, as PostgreSQL's `percentile_cont` does, so figures computed
 * here and in SQL agree.
 */
export function durationStats(samplesMs: readonly number[]): DurationStats | undefined {
  const count = samplesMs.length;
  if (count === 0) return undefined;
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const meanMs = sorted.reduce((sum, x) => sum + x, 0) / count;
  // Two passes (deviations from the mean) rather than E[x²] - mean², which cancels badly for long durations.
  const variance = sorted.reduce((sum, x) => sum + (x - meanMs) ** 2, 0) / count;
  return {
    count,
    meanMs,
    stdDevMs: Math.sqrt(variance),
    p50Ms: percentileOfSorted(sorted, 0.5),
    p90Ms: percentileOfSorted(sorted, 0.9),
    p95Ms: percentileOfSorted(sorted, 0.95),
    p99Ms: percentileOfSorted(sorted, 0.99),
    maxMs: sorted[count - 1],
  };
}

/** The `fraction` (0..1) percentile of ascending, non-empty `sorted`, as `percentile_cont`. */
export function percentileOfSorted(sorted: readonly number[], fraction: number): number {
  const position = fraction * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * P(X > threshold) for X ~ N(mean, sd²), clamped to [0, 1]. With no spread the outcome is certain:
 * 1 when the mean is past the threshold, else 0.
 */
export function normalTailProbability(meanMs: number, stdDevMs: number, thresholdMs: number): number {
  if (!(stdDevMs > 0)) return meanMs > thresholdMs ? 1 : 0;
  const z = (thresholdMs - meanMs) / (stdDevMs * Math.SQRT2);
  return clamp01(0.5 * (1 - erf(z)));
}

/** Abramowitz & Stegun 7.1.26: absolute error below 1.5e-7, plenty for a probability shown to 3 decimals. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const polynomial = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const magnitude = 1 - polynomial * Math.exp(-x * x);
  // The formula holds for x >= 0; erf is odd.
  return x < 0 ? -magnitude : magnitude;
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}
