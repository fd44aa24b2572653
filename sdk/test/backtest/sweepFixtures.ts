import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMarketGenerator } from '../../src/sim/index.js';

export const H = 3_600_000;
export const END = Date.UTC(2026, 0, 20);

/** Loose gates so that short generated runs trade; the gates themselves are tested in risk/. */
/** Gates loose enough that generated bars trade; the edge gate off, since no evidence covers generated markets. */
export const looseEngineConfig = { risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 3 } }, autotrade: { edge: { require: false } } };

/**
 * Writes `bars` generated 1h candles per symbol, ending at END, as `<SYM>USDT_1h.csv` (plus one
 * unfinished row, dropped on read): a data directory the sweep workers load by path.
 */
export function writeGeneratedData(dir: string, o: { symbols: number; bars: number; seed: number }): void {
  mkdirSync(dir, { recursive: true });
  const gen = createMarketGenerator({ seed: o.seed, symbols: o.symbols, startTimeMs: END });
  for (const m of gen.markets()) {
    const rows = gen.candles(m.symbol, '1h', END - o.bars * H, END + H).map((c) => `${new Date(c.openTimeMs).toISOString().slice(0, 19).replace('T', ' ')},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
    writeFileSync(join(dir, `${m.base}USDT_1h.csv`), `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
  }
}
