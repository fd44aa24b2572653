/**
 * Chart overlays computed in the renderer when the host does not send indicator series. Only
 * simple, browser-safe loops live here; the engine's indicator kernels are Node-side.
 */

/** Exponential moving average seeded with the SMA of the first `period` values; `NaN` while warming. */
export function emaSeries(values: ArrayLike<number>, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  if (period < 1 || values.length < period) return out;
  const k = 2 / (period + 1);
  let sum = 0;
  for (let i = 0; i < period; i++) sum += values[i]!;
  let prev = sum / period;
  out[period - 1] = prev;
  for (let i = period; i < values.length; i++) {
    prev = values[i]! * k + prev * (1 - k);
    out[i] = prev;
  }
  return out;
}

/** Streaming continuation of {@link emaSeries}: the next EMA value after `prev`. */
export function emaNext(prev: number, value: number, period: number): number {
  const k = 2 / (period + 1);
  return value * k + prev * (1 - k);
}
