/**
 * A non-decreasing step function fitted by isotonic regression: `x[i]` are the block upper
 * edges (ascending) and `y[i]` the fitted value of the block.
 */
export interface IsotonicFit {
  x: number[];
  y: number[];
}

/**
 * Pool-adjacent-violators fit of 0/1 (or any) `outcomes` on `scores`: the non-decreasing
 * function of the score closest in squared error. Equal scores are pooled first, so the fit is a
 * function of the score alone.
 */
export function fitIsotonic(scores: ArrayLike<number>, outcomes: ArrayLike<number>): IsotonicFit {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const xs: number[] = [];
  const sums: number[] = [];
  const weights: number[] = [];
  for (const i of order) {
    const x = scores[i]!;
    const top = xs.length - 1;
    if (top >= 0 && xs[top] === x) {
      sums[top]! += outcomes[i]!;
      weights[top]! += 1;
    } else {
      xs.push(x);
      sums.push(outcomes[i]!);
      weights.push(1);
    }
    // Pool backwards while the last block's mean is below its predecessor's.
    while (sums.length > 1) {
      const k = sums.length - 1;
      if (sums[k - 1]! / weights[k - 1]! <= sums[k]! / weights[k]!) break;
      sums[k - 1]! += sums[k]!;
      weights[k - 1]! += weights[k]!;
      xs[k - 1] = xs[k]!;
      sums.pop();
      weights.pop();
      xs.pop();
    }
  }
  return { x: xs, y: sums.map((s, k) => s / weights[k]!) };
}

/** The fitted value at `score`: the first block whose upper edge is at or above it (the last beyond). */
export function predictIsotonic(fit: IsotonicFit, score: number): number {
  let lo = 0;
  let hi = fit.x.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fit.x[mid]! >= score) hi = mid;
    else lo = mid + 1;
  }
  return fit.y[lo]!;
}
