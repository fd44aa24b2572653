/** One bin of a reliability table. */
export interface ReliabilityBin {
  /** Lower and upper edge of stated probability (the last bin includes its upper edge). */
  lo: number;
  hi: number;
  count: number;
  /** Mean stated probability in the bin; NaN when empty. */
  stated: number;
  /** Share of outcomes that were 1; NaN when empty. */
  realized: number;
}

/**
 * Stated against realized probability in `bins` equal-count bins (deciles by default) of the
 * stated value. Equal-count bins keep every row readable even when the probabilities bunch up, as
 * a calibrated probability near the base rate does; ties at a bin edge stay in one bin, so a bin
 * may hold more than n/bins.
 */
export function reliabilityTable(probabilities: ArrayLike<number>, outcomes: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const n = probabilities.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probabilities[a]! - probabilities[b]!);
  const out: ReliabilityBin[] = [];
  let start = 0;
  for (let b = 0; b < bins && start < n; b++) {
    let end = b === bins - 1 ? n : Math.max(start + 1, Math.round(((b + 1) * n) / bins));
    while (end < n && probabilities[order[end]!] === probabilities[order[end - 1]!]) end++;
    let ps = 0;
    let ys = 0;
    for (let k = start; k < end; k++) {
      ps += probabilities[order[k]!]!;
      ys += outcomes[order[k]!]!;
    }
    const count = end - start;
    out.push({ lo: probabilities[order[start]!]!, hi: probabilities[order[end - 1]!]!, count, stated: ps / count, realized: ys / count });
    start = end;
  }
  return out;
}

/** Largest |stated - realized| over bins holding at least `minCount` outcomes; NaN when none do. */
export function maxCalibrationError(table: readonly ReliabilityBin[], minCount: number): number {
  let worst = Number.NaN;
  for (const b of table) {
    if (b.count < minCount) continue;
    const e = Math.abs(b.stated - b.realized);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}
