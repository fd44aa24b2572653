/** Scale that makes the MAD a consistent estimator of the standard deviation for normal data. */
const MAD_TO_SIGMA = 1.4826;
/** Robust z-scores are clipped so one outlier cannot dominate a weighted sum. */
export const Z_CLIP = 3;

export function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Robust z-scores across a cross-section: `(x - median) / (1.4826 * MAD)`, clipped to +/-3.
 * Non-finite inputs get 0 and do not move the median. When the MAD is 0 (more than half the
 * values equal), the mean absolute deviation from the median stands in; when that is 0 too,
 * every z is 0.
 */
export function robustZ(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const finite: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) finite.push(v);
  }
  const out = new Float64Array(n);
  if (finite.length === 0) return out;
  const sorted = Float64Array.from(finite).sort();
  const med = median(sorted);
  const dev = sorted.map((v) => Math.abs(v - med)).sort();
  let scale = MAD_TO_SIGMA * median(dev);
  if (!(scale > 0)) {
    let sum = 0;
    for (const d of dev) sum += d;
    scale = (sum / dev.length) * 1.2533;
  }
  if (!(scale > 0)) return out;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    out[i] = Number.isFinite(v) ? Math.max(-Z_CLIP, Math.min(Z_CLIP, (v - med) / scale)) : 0;
  }
  return out;
}
