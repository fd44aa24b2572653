import type { Candle } from '@perpscope/shared';

/** Index of the first candle with openTimeMs >= t (candles ascending). */
export function lowerBound(candles: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (candles[mid]!.openTimeMs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
