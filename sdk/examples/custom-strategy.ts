/**
 * A custom strategy: defined with the public `Strategy` interface, registered next to the
 * built-ins, and run alone through the signal engine over 1h candles read from a SimExchange.
 * Prints the strategies in use and the signals the custom one produced.
 * Run: node --import tsx custom-strategy.ts
 */
import { z } from 'zod';
import { BUILTIN_STRATEGY_IDS, candlesToColumns, createEngine, createSignalEngine, createStrategyRegistry, NO_SIGNAL, replaySignals, unitScore, type Strategy } from '@perpscope/sdk';

/** Fades RSI extremes once the bar turns: long after an oversold down-move, short after an overbought one. */
const rsiSnapback: Strategy<{ band: number }> = {
  id: 'rsi-snapback',
  description: 'RSI beyond its band and the bar closing back toward the middle',
  paramsSchema: z.object({ band: z.number().min(1).max(49).default(30) }),
  evaluate({ features: f, prev }, p) {
    if (!prev || !Number.isFinite(prev.rsi)) return NO_SIGNAL;
    const depth = (extreme: number) => unitScore(0.8 + extreme / p.band);
    if (prev.rsi < p.band && f.close > f.open) return { pass: true, side: 'long', score: depth(p.band - prev.rsi), tags: ['oversold'], level: f.low };
    if (prev.rsi > 100 - p.band && f.close < f.open) return { pass: true, side: 'short', score: depth(prev.rsi - (100 - p.band)), tags: ['overbought'], level: f.high };
    return NO_SIGNAL;
  },
};

const registry = createStrategyRegistry().register(rsiSnapback);
// Only the custom strategy votes: every built-in is switched off; its parameters are validated by its schema.
const off = Object.fromEntries(BUILTIN_STRATEGY_IDS.map((id) => [id, { enabled: false }]));
const signalEngine = createSignalEngine({ strategies: { ...off, 'rsi-snapback': { params: { band: 35 } } } }, { registry });

// Candles from an in-process SimExchange (seed and start time pinned): 400 closed 1h bars per symbol.
const engine = createEngine(
  { exchange: 'sim', timeframes: ['1h'], backfillBars: 400, sim: { symbols: 12, seed: 11, startTimeMs: Date.UTC(2025, 0, 15, 14), rateLimitScale: 20 } },
  { live: false },
);
try {
  await engine.start();
  const series = engine.universe().map((m) => ({ symbol: m.symbol, timeframe: '1h' as const, candles: candlesToColumns(engine.candles(m.symbol, '1h')) }));
  const run = replaySignals(signalEngine, series);
  const signals = run.signals.map((s) => ({ symbol: s.symbol, side: s.side, closeTime: new Date(s.closeTimeMs).toISOString(), score: Number(s.score.toFixed(3)), components: s.components.map((c) => c.id) }));
  console.log(JSON.stringify({ strategies: signalEngine.strategyIds, series: series.length, cycles: run.cycles, candidates: run.candidates, signals }, null, 2));
} finally {
  await engine.stop();
}
