/** A run of missing bars: open times `fromOpenTimeMs` .. `toOpenTimeMs` inclusive. */
export interface CandleGap {
  fromOpenTimeMs: number;
  toOpenTimeMs: number;
  /** Bars missing. */
  bars: number;
}

/**
 * Missing open times in an ascending series of bar open times spaced `timeframeMs` apart. Pure;
 * used both on backfilled history and between the last stored bar and a newly arrived one.
 */
export function findCandleGaps(openTimesMs: readonly number[], timeframeMs: number): CandleGap[] {
  const gaps: CandleGap[] = [];
  for (let i = 1; i < openTimesMs.length; i++) {
    const gap = gapBetween(openTimesMs[i - 1]!, openTimesMs[i]!, timeframeMs);
    if (gap) gaps.push(gap);
  }
  return gaps;
}

/** The bars missing strictly between two open times, or `undefined` when they are adjacent. */
export function gapBetween(previousOpenTimeMs: number, nextOpenTimeMs: number, timeframeMs: number): CandleGap | undefined {
  const bars = Math.round((nextOpenTimeMs - previousOpenTimeMs) / timeframeMs) - 1;
  if (bars <= 0) return undefined;
  return { fromOpenTimeMs: previousOpenTimeMs + timeframeMs, toOpenTimeMs: nextOpenTimeMs - timeframeMs, bars };
}
