import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { BlockRng } from '../../sim/rng.js';

/** Mean of a sample with its t-based and bootstrap lower confidence bounds. */
export interface ExpectancyBound {
  count: number;
  mean: number;
  /** Standard error of the mean (sample standard deviation / sqrt(n)). */
  standardError: number;
  /** One-sided lower bound: mean - z * standardError. */
  lowerT: number;
}

/** One-sided standard-normal quantile for a confidence in (0, 1), e.g. 1.6449 for 0.95. */
export function zOneSided(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1) (got ${confidence})`);
  return normalQuantile(confidence, 0, 1);
}

/**
 * Mean and one-sided t-based lower bound of the mean (normal quantile: the samples this is used
 * on hold hundreds of trades, where t and normal agree to the third digit). NaN bounds below two
 * samples.
 */
export function expectancyBound(values: ArrayLike<number>, confidence = 0.95): ExpectancyBound {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = n > 0 ? sum / n : Number.NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  const standardError = n > 1 ? Math.sqrt(ss / (n - 1) / n) : Number.NaN;
  return { count: n, mean, standardError, lowerT: mean - zOneSided(confidence) * standardError };
}

/**
 * Percentile-bootstrap one-sided lower bound of the mean: the (1 - confidence) quantile of the
 * means of `resamples` resamples with replacement, from a seeded generator. NaN below two samples.
 */
export function bootstrapLowerBound(values: ArrayLike<number>, confidence = 0.95, resamples = 1000, seed = 1): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  // Seeded, so a bootstrap bound is the same on every run.
  const rng = new BlockRng(seed);
  const rand = (): number => rng.next();
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rand() * n)]!;
    means[r] = s / n;
  }
  means.sort();
  return means[Math.floor((1 - confidence) * resamples)]!;
}
