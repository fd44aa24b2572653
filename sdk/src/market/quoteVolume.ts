import type { Candle } from '@perpscope/shared';

const HOUR_MS = 3_600_000;

/**
 * 24h quote volume from 1h candles: the sum of `volume x close` over the last 24 bars that are
 * complete at `nowMs` (a bar opening at t is complete once t + 1h <= nowMs). Used where an
 * exchange's ticker has no quote volume (ccxt's BloFin swap tickers) and an exact figure matters.
 */
export function quoteVolume24hFromHourly(hourly: readonly Candle[], nowMs: number): number {
  const complete = hourly.filter((c) => c.openTimeMs + HOUR_MS <= nowMs).sort((a, b) => a.openTimeMs - b.openTimeMs);
  return complete.slice(-24).reduce((sum, c) => sum + c.volume * c.close, 0);
}
