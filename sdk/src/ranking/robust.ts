import { selectMedian } from '../manipulation/index.js';

/** Scale that makes the MAD a consistent estimator of the standard deviation for normal data. */
const MAD_TO_SIGMA = 1.4826;
/** Robust z-scores are clipped so one outlier cannot dominate a weighted sum. */
export const Z_CLIP = 3;

/** Median of an ascending array (NaN when empty). */
export function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Finite values and their deviations, reused across calls (a cycle z-scores eight columns). */
let finiteBuffer = new Float64Array(0);
let devBuffer = new Float64Array(0);

/**
 * Robust z-scores across a cross-section: `(x - median) / (1.4826 * MAD)`, clipped to +/-3.
 * Non-finite inputs get 0 and do not move the median. When the MAD is 0 (more than half the
 * values equal), the mean absolute deviation from the median stands in; when that is 0 too,
 * every z is 0. Pass `out` (length of `values`) to write into it instead of allocating.
 */
export function robustZ(values: ArrayLike<number>, out?: Float64Array): Float64Array {
  const n = values.length;
  if (out === undefined || out.length !== n) out = new Float64Array(n);
  else out.fill(0);
  if (finiteBuffer.length < n) {
    finiteBuffer = new Float64Array(Math.max(n, 2 * finiteBuffer.length));
    devBuffer = new Float64Array(finiteBuffer.length);
  }
  const finite = finiteBuffer;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) finite[k++] = v;
  }
  if (k === 0) return out;
  const med = selectMedian(finite, k);
  const dev = devBuffer;
  for (let i = 0; i < k; i++) dev[i] = Math.abs((finite[i] as number) - med);
  let scale = MAD_TO_SIGMA * selectMedian(dev, k);
  if (!(scale > 0)) {
    // Summed in ascending order, as over a sorted copy, so the figure does not depend on the
    // order selection left the deviations in.
    const sorted = dev.subarray(0, k).sort();
    let sum = 0;
    for (let i = 0; i < k; i++) sum += sorted[i] as number;
    scale = (sum / k) * 1.2533;
  }
  if (!(scale > 0)) return out;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    out[i] = Number.isFinite(v) ? Math.max(-Z_CLIP, Math.min(Z_CLIP, (v - med) / scale)) : 0;
  }
  return out;
}
