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

/** One-sided normal quantiles used for the bounds; 95 % by default. */
const Z_ONE_SIDED: Record<string, number> = { '0.9': 1.2816, '0.95': 1.6449, '0.975': 1.96, '0.99': 2.3263 };

function zFor(confidence: number): number {
  const z = Z_ONE_SIDED[String(confidence)];
  if (z === undefined) throw new RangeError(`confidence must be one of ${Object.keys(Z_ONE_SIDED).join(', ')} (got ${confidence})`);
  return z;
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
  return { count: n, mean, standardError, lowerT: mean - zFor(confidence) * standardError };
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
