import type { RangeStats } from './pricePath.js';

/**
 * Nearest multiple of `step`, computed so the double is the closest one to the decimal value
 * (dividing by an exact integer avoids 0.1 + 0.2 style noise for sub-unit steps).
 */
export function snap(value: number, step: number): number {
  if (step >= 1) return Math.round(value / step) * step;
  const inv = Math.round(1 / step);
  return Math.round(value * inv) / inv;
}

/** Intraday activity: busiest around 14:00 UTC, quietest twelve hours later. */
export function seasonality(hourOfDay: number): number {
  return 1 + 0.45 * Math.cos((2 * Math.PI * (hourOfDay - 14)) / 24);
}

/**
 * Pins a random walk to `endLog`: the misfit is spread in proportion to cumulative variance, so
 * quiet stretches stay quiet. Writes n + 1 points from startLog to endLog into `out`.
 */
export function bridge(startLog: number, endLog: number, increments: Float64Array, variances: Float64Array, sum: number, out: Float64Array): Float64Array {
  const n = increments.length;
  let totalVar = 0;
  for (let i = 0; i < n; i++) totalVar += variances[i]!;
  const misfit = sum - (endLog - startLog);
  out[0] = startLog;
  let cum = 0;
  let cumVar = 0;
  for (let i = 0; i < n; i++) {
    cum += increments[i]!;
    cumVar += variances[i]!;
    out[i + 1] = startLog + cum - (misfit * cumVar) / totalVar;
  }
  out[n] = endLog;
  return out;
}

export function merge(acc: RangeStats | null, o: number, h: number, l: number, c: number, v: number, qv: number): RangeStats {
  if (!acc) return { open: o, high: h, low: l, close: c, volume: v, quoteVolume: qv };
  acc.high = Math.max(acc.high, h);
  acc.low = Math.min(acc.low, l);
  acc.close = c;
  acc.volume += v;
  acc.quoteVolume += qv;
  return acc;
}
