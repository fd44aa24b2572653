import type { Candle, Timeframe } from '@perpscope/shared';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../sdk/src/core/clock.js';
import { createEngine } from '../../sdk/src/engine/index.js';
import { ReplayMarketData } from '../../sdk/src/market/index.js';
import type { RankingResult } from '../../sdk/src/ranking/index.js';
import { createSignalEngine, replaySignals, type Signal } from '../../sdk/src/signals/index.js';
import { asHourlySeries, generatedHourlyCandles } from '../../sdk/test/generatedCandles.js';
import { candleArrays } from '../../sdk/src/engine/marketSnapshots.js';
import { SIM_START_MS, until } from '../support/sim.js';

const H = 3_600_000;
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));


async function replayRun(candles: Map<string, Partial<Record<Timeframe, Candle[]>>>, startMs: number, steps: number) {
  const clock = new SimulatedClock(startMs);
  const source = new ReplayMarketData({ clock, candles });
  const engine = createEngine(
    { exchange: 'replay', timeframes: ['1h'], backfillBars: 300, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null, topN: 1000 } },
    { clock, source },
  );
  const signals: Signal[] = [];
  const rankings: RankingResult[] = [];
  const bars: string[] = [];
  engine.on('signal', (s) => signals.push(s));
  engine.on('ranking', (r) => rankings.push(r));
  engine.on('bar', (b) => bars.push(`${b.symbol}@${b.candle.openTimeMs}`));
  await engine.start();
  for (let i = 0; i < steps; i++) {
    await clock.advance(H);
    for (let k = 0; k < 5; k++) await flush();
    await clock.advance(0);
  }
  await engine.stop();
  return { signals, rankings, bars };
}

describe('engine over a replay of stored candles (simulated clock)', () => {
  const endMs = Date.UTC(2026, 0, 10);
  const startMs = endMs - 400 * H;
  const replayStart = startMs + 330 * H;
  const candles = asHourlySeries(generatedHourlyCandles({ seed: 11, symbols: 12, fromMs: startMs, toMs: endMs }));

  it('emits bar, ranking and signal events on each close, deterministically', async () => {
    const a = await replayRun(candles, replayStart, 40);
    const b = await replayRun(candles, replayStart, 40);
    expect(a.bars.length, '12 symbols x 40 closes').toBe(12 * 40);
    expect(a.rankings.length, 'one ranking after warm-up plus one per close').toBeGreaterThanOrEqual(41);
    expect(a.rankings.at(-1)!.rows.length).toBeGreaterThan(0);
    expect(a.signals.map((s) => s.id), 'a replay is deterministic').toEqual(b.signals.map((s) => s.id));
  });

  it('produces the same signals as the pure batch replay over the same candles', async () => {
    const run = await replayRun(candles, replayStart, 40);
    const series = [...candles].map(([symbol, byTf]) => {
      const upTo = byTf['1h']!.filter((c) => c.openTimeMs + H <= replayStart + 40 * H).slice(-(300 + 40));
      const cols = candleArrays(upTo);
      return { symbol, timeframe: '1h' as const, candles: { openTimeMs: cols.openTimeMs, open: cols.open, high: cols.high, low: cols.low, close: cols.close, volume: cols.volume } };
    });
    const pure = replaySignals(createSignalEngine({}), series as never);
    const closesAfterStart = (s: Signal) => s.closeTimeMs > replayStart;
    const pureIds = pure.signals.filter(closesAfterStart).map((s) => s.id);
    const engineIds = run.signals.filter(closesAfterStart).map((s) => s.id);
    expect(engineIds.length, 'the replay window produces signals to compare').toBeGreaterThan(0);
    expect(engineIds, 'live/replay path == batch path').toEqual(pureIds);
  });
});

describe('engine against SimExchange (live, accelerated)', () => {
  it('warms up, then emits bar closes and rankings', async () => {
    const engine = createEngine({
      exchange: 'sim',
      timeframes: ['1m'],
      backfillBars: 120,
      sim: { symbols: 12, seed: 3, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS },
      universe: { minQuoteVolumeUsd: 0 },
    });
    const bars: string[] = [];
    let rankings = 0;
    engine.on('bar', (b) => bars.push(b.symbol));
    engine.on('ranking', () => rankings++);
    try {
      await engine.start();
      expect(engine.universe().length).toBe(12);
      expect(engine.candles('BTC/USDT:USDT', '1m').length).toBeGreaterThanOrEqual(100);
      await until('12 bar closes', () => (bars.length >= 12 ? true : null), 45_000);
      expect(bars.length, 'a 1m bar closes every wall second at 60x').toBeGreaterThanOrEqual(12);
      // The ranking of a bar close follows its bar events: wait for that state, not for luck.
      await until('a ranking after warm-up and after bar closes', () => (rankings >= 2 ? true : null), 45_000);
      expect(engine.latestRanking()!.rows.length).toBeGreaterThan(0);
    } finally {
      await engine.stop();
    }
  });
});
