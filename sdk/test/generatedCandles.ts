import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle, Timeframe } from '@perpscope/shared';
import { createMarketGenerator } from '../src/sim/index.js';

const H = 3_600_000;

/**
 * Seeded generated 1h candles per symbol over [fromMs, toMs), from a generator anchored at
 * `anchorMs` (default `toMs`): the same inputs give the same bars on every machine.
 */
export function generatedHourlyCandles(o: { seed: number; symbols: number; fromMs: number; toMs: number; anchorMs?: number }): Map<string, Candle[]> {
  const gen = createMarketGenerator({ seed: o.seed, symbols: o.symbols, startTimeMs: o.anchorMs ?? o.toMs });
  const out = new Map<string, Candle[]>();
  for (const m of gen.markets()) {
    out.set(m.symbol, gen.candles(m.symbol, '1h', o.fromMs, o.toMs).map(({ openTimeMs, open, high, low, close, volume }) => ({ openTimeMs, open, high, low, close, volume })));
  }
  return out;
}

/**
 * Writes generated 1h candles ending at `endMs` as `<BASE>USDT_1h.csv` files, plus one unfinished
 * row (dropped on read): a data directory the backtest CLI and sweep workers load by path.
 */
export function writeGeneratedHourlyCsv(dir: string, o: { seed: number; symbols: number; fromMs: number; endMs: number }): void {
  mkdirSync(dir, { recursive: true });
  for (const [symbol, candles] of generatedHourlyCandles({ seed: o.seed, symbols: o.symbols, fromMs: o.fromMs, toMs: o.endMs + H, anchorMs: o.endMs })) {
    const rows = candles.map((c) => `${new Date(c.openTimeMs).toISOString().slice(0, 19).replace('T', ' ')},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
    writeFileSync(join(dir, `${symbol.split('/')[0]!}USDT_1h.csv`), `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
  }
}

/** The same candles in the per-timeframe shape `ReplayMarketData` takes. */
export function asHourlySeries(candles: ReadonlyMap<string, Candle[]>): Map<string, Partial<Record<Timeframe, Candle[]>>> {
  return new Map([...candles].map(([symbol, bars]) => [symbol, { '1h': bars }]));
}
