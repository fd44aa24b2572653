/**
 * A backtest over a small generated candle set: 1h bars of six symbols from SimExchange's seeded
 * generator, replayed through the same engine, AutoTrader, RiskPolicy and PaperBroker that paper
 * trading uses, on a simulated clock. Prints the metrics and a summary of each trade as JSON.
 * Run: node --import tsx backtest.ts
 */
import { backtest, backtestDataFrom } from '@perpscope/sdk';
import { createMarketGenerator } from '@perpscope/sdk/sim';

const HOUR_MS = 3_600_000;
const endMs = Date.UTC(2025, 0, 15);
const startMs = endMs - 500 * HOUR_MS;
const generator = createMarketGenerator({ seed: 7, symbols: 6, startTimeMs: endMs });
const candles = new Map(generator.markets().map((m) => [m.symbol, generator.candles(m.symbol, '1h', startMs, endMs)] as const));

const result = await backtest(
  // 300 bars warm the indicators up; the 160 bars after them are traded.
  { data: 'generated', timeframe: '1h', warmupBars: 300, from: startMs + 300 * HOUR_MS, to: startMs + 460 * HOUR_MS },
  {
    data: backtestDataFrom('1h', candles),
    engineConfig: {
      // Loose signal gates, so a short run trades at all.
      risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 3 } },
      // The AutoTrader's edge gate trades only signals that shipped out-of-sample evidence backs,
      // and none covers generated markets: without this it would skip every signal as no_edge.
      autotrade: { edge: { require: false } },
    },
  },
);
const trades = result.trades.map((t) => ({ symbol: t.symbol, side: t.side, strategy: t.strategy, exitReason: t.exitReason, netPnlUsd: Number(t.netPnlUsd.toFixed(4)) }));
console.log(JSON.stringify({ symbols: result.symbols, signals: result.signals, placed: result.placed, skipped: result.skipped, metrics: result.metrics, trades }, null, 2));
