import { timeframeMs, type Candle, type Timeframe } from '@perpscope/shared';

/**
 * The tracked timeframe to build `target` from: the coarsest tracked one that divides it evenly,
 * since with rings of equal length it spans the most history. Null when none divides it.
 */
export function sourceTimeframe(target: Timeframe, tracked: readonly Timeframe[]): Timeframe | null {
  const targetMs = timeframeMs(target);
  let best: Timeframe | null = null;
  for (const tf of tracked) {
    const ms = timeframeMs(tf);
    if (ms < targetMs && targetMs % ms === 0 && (best === null || ms > timeframeMs(best))) best = tf;
  }
  return best;
}

/**
 * Folds confirmed bars of `sourceMs` into bars of `targetMs`, on UTC-aligned buckets as exchanges
 * draw them. Only whole buckets come out: a first bucket the rows join part-way (its open would be
 * wrong) and a last one still forming are left out, so the result holds confirmed bars like the
 * rows it came from. A bucket with a gap inside keeps the bars it has. Pure.
 */
export function aggregateCandles(rows: readonly Candle[], sourceMs: number, targetMs: number): Candle[] {
  const out: Candle[] = [];
  let firstBucketWhole = true;
  for (const c of rows) {
    const bucketMs = Math.floor(c.openTimeMs / targetMs) * targetMs;
    const last = out[out.length - 1];
    if (last && last.openTimeMs === bucketMs) {
      last.high = Math.max(last.high, c.high);
      last.low = Math.min(last.low, c.low);
      last.close = c.close;
      last.volume += c.volume;
      continue;
    }
    if (out.length === 0) firstBucketWhole = c.openTimeMs === bucketMs;
    out.push({ openTimeMs: bucketMs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });
  }
  const lastRow = rows[rows.length - 1];
  const lastBar = out[out.length - 1];
  if (lastRow && lastBar && lastRow.openTimeMs + sourceMs < lastBar.openTimeMs + targetMs) out.pop();
  if (!firstBucketWhole) out.shift();
  return out;
}
