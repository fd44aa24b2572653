import { writeGeneratedHourlyCsv } from '../generatedCandles.js';

export const H = 3_600_000;
export const END = Date.UTC(2026, 0, 20);

/** Gates loose enough that generated bars trade; the edge gate off, since no evidence covers generated markets. */
export const looseEngineConfig = { risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 3 } }, autotrade: { edge: { require: false } } };

/**
 * Writes `bars` generated 1h candles per symbol, ending at END, as `<SYM>USDT_1h.csv` (plus one
 * unfinished row, dropped on read): a data directory the sweep workers load by path.
 */
export function writeGeneratedData(dir: string, o: { symbols: number; bars: number; seed: number }): void {
  writeGeneratedHourlyCsv(dir, { seed: o.seed, symbols: o.symbols, fromMs: END - o.bars * H, endMs: END });
}
