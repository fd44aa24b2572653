/**
 * Exact window sums for re-anchoring running sums. Rolling updates (`sum += in - out`, rolling
 * Welford) accumulate rounding error in proportion to the largest values they have seen, which
 * matters on long series whose price falls by orders of magnitude. Every `REANCHOR_EVERY` bars the
 * batch kernels and the streaming classes recompute the window exactly, oldest value first, so both
 * forms keep identical numbers and the error stays bounded. Amortized cost: `period / 1024` extra
 * reads per bar.
 */
export const REANCHOR_EVERY = 1024;
/** `(n & REANCHOR_MASK) === 0` marks every `REANCHOR_EVERY`-th bar. */
export const REANCHOR_MASK = REANCHOR_EVERY - 1;

/** Sum of `a[from..to)`. */
export function rangeSum(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  return s;
}

/** Sum of squared deviations from `mean` over `a[from..to)`. */
export function rangeSqDev(a: Float64Array, from: number, to: number, mean: number): number {
  let s = 0;
  for (let i = from; i < to; i++) {
    const d = a[i]! - mean;
    s += d * d;
  }
  return s;
}

/** Sum of a full ring buffer, starting at its oldest slot. */
export function ringSum(ring: Float64Array, oldest: number): number {
  let s = 0;
  for (let i = oldest; i < ring.length; i++) s += ring[i]!;
  for (let i = 0; i < oldest; i++) s += ring[i]!;
  return s;
}

/** Sum of squared deviations from `mean` over a full ring buffer, oldest slot first. */
export function ringSqDev(ring: Float64Array, oldest: number, mean: number): number {
  let s = 0;
  for (let i = oldest; i < ring.length; i++) {
    const d = ring[i]! - mean;
    s += d * d;
  }
  for (let i = 0; i < oldest; i++) {
    const d = ring[i]! - mean;
    s += d * d;
  }
  return s;
}
