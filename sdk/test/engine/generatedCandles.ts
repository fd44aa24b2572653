import type { Candle, Timeframe } from '@perpscope/shared';
import { createMarketGenerator } from '../../src/sim/index.js';

/** Generated closed 1h candles for `symbols` symbols over [fromMs, toMs) (seed 11), as ReplayMarketData takes them. */
export function generatedCandles(symbols: number, fromMs: number, toMs: number): Map<string, Partial<Record<Timeframe, Candle[]>>> {
  const gen = createMarketGenerator({ seed: 11, symbols, startTimeMs: toMs });
  const out = new Map<string, Partial<Record<Timeframe, Candle[]>>>();
  for (const m of gen.markets()) {
    const candles = gen.candles(m.symbol, '1h', fromMs, toMs).map(({ openTimeMs, open, high, low, close, volume }) => ({ openTimeMs, open, high, low, close, volume }));
    out.set(m.symbol, { '1h': candles });
  }
  return out;
}
