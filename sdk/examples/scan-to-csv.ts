/**
 * Scan to CSV: warm an engine up on an in-process SimExchange, refresh order flow (book, trades,
 * funding, mark), rank the universe and write the top rows as CSV, with a 14-bar RSI of each
 * symbol's 15m closes from the indicators entry point.
 * Run: node --import tsx scan-to-csv.ts out.csv [top]
 */
import { writeFileSync } from 'node:fs';
import { createEngine } from '@perpscope/sdk';
import { rsi } from '@perpscope/sdk/indicators';

const out = process.argv[2];
if (!out) throw new Error('usage: scan-to-csv.ts <out.csv> [top]');
const top = Number(process.argv[3] ?? 10);

// Seed and start time pinned: the generated market, and so the CSV, is the same on every run.
// rateLimitScale raises the sim's request allowance, so warm-up takes seconds, not minutes.
const engine = createEngine(
  { exchange: 'sim', timeframes: ['15m'], sim: { symbols: 25, seed: 7, startTimeMs: Date.UTC(2025, 0, 15, 14), rateLimitScale: 20 } },
  { live: false }, // one scan: no live candle stream after warm-up
);
try {
  await engine.start();
  await engine.refreshOrderFlows();
  const ranking = engine.rank({ top });
  const last = new Map(engine.universe().map((m) => [m.symbol, m.last]));
  const header = ['rank', 'symbol', 'score', 'side', 'last', 'quoteVolume24h', 'spreadBps', 'atrPct', 'manipScore', 'flags', 'rsi14'];
  const rows = ranking.rows.map((r) => {
    const rsi14 = rsi(engine.candles(r.symbol, '15m').map((c) => c.close), 14).at(-1) ?? NaN;
    const flags = r.flags.map((f) => f.name).join('|');
    return [r.rank, r.symbol, r.score.toFixed(4), r.side, last.get(r.symbol) ?? '', r.metrics.quoteVolume24hUsd.toFixed(0), r.metrics.spreadBps.toFixed(2), r.metrics.atrPct.toFixed(3), r.manipScore, flags, rsi14.toFixed(2)].join(',');
  });
  writeFileSync(out, `${header.join(',')}\n${rows.join('\n')}\n`);
  console.log(`wrote ${rows.length} rows of ${ranking.universe} ranked (profile ${ranking.profile}) to ${out}`);
} finally {
  await engine.stop();
}
