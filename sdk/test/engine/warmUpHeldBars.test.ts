import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createEngine, type WarmUpProgress } from '../../src/engine/createEngine.js';
import { ManipulationWatch } from '../../src/engine/manipulationWatch.js';
import { ReplayMarketData } from '../../src/market/index.js';
import type { RankingResult } from '../../src/ranking/index.js';
import { SignalEngine } from '../../src/signals/index.js';
import { asHourlySeries, generatedHourlyCandles } from '../generatedCandles.js';

const H = 3_600_000;
const END_MS = Date.UTC(2026, 0, 10);
const START_MS = END_MS - 200 * H;
const WARM_START_MS = START_MS + 150 * H;
const SYMBOLS = 12;
const BATCH = 2;
/** Backfill and ring hold the same number of bars, so a bar closed during the warm-up leaves the same window as a backfill taken after it. */
const BARS = 120;

const candles = asHourlySeries(generatedHourlyCandles({ seed: 5, symbols: SYMBOLS, fromMs: START_MS, toMs: END_MS }));

afterEach(() => {
  vi.restoreAllMocks();
});

interface WarmRun {
  batches: WarmUpProgress[];
  /** Bar events seen by the end of each batch. */
  barsAtBatch: number[];
  /** For each ranking event: the batches done when it was published, and the result. */
  rankings: { afterBatches: number; result: RankingResult }[];
  /** Close time of every signal cycle the engine ran. */
  cycles: number[];
  /** Per cycle, the close time of each series' bar in it. */
  seriesCloses: number[][];
  final: RankingResult | null;
}

/**
 * Starts an engine over the replayed candles at `startMs`. With `closeBarAfterBatch`, the market
 * clock moves one bar on at that batch (or the first after it once the whole backfill has landed),
 * so every series' next bar closes (and reaches the analyzer) while the rest of the universe waits
 * for its batch.
 */
async function warmStart(startMs: number, closeBarAfterBatch?: number): Promise<WarmRun> {
  const clock = new SimulatedClock(startMs);
  const source = new ReplayMarketData({ clock, candles });
  const cycles: number[] = [];
  const seriesCloses: number[][] = [];
  const runCycle = SignalEngine.prototype.runCycle;
  vi.spyOn(SignalEngine.prototype, 'runCycle').mockImplementation(function (this: SignalEngine, closeTimeMs, bars) {
    cycles.push(closeTimeMs);
    seriesCloses.push(bars.map((b) => b.closeTimeMs));
    return runCycle.call(this, closeTimeMs, bars);
  });
  const run: WarmRun = { batches: [], barsAtBatch: [], rankings: [], cycles, seriesCloses, final: null };
  let bars = 0;
  let closed = false;
  const moves: Promise<void>[] = [];
  const engine = createEngine(
    { exchange: 'replay', timeframes: ['1h'], backfillBars: BARS, ringCapacity: 100, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null, topN: 1000 } },
    {
      clock,
      source,
      logger: silentLogger,
      warmUp: {
        batchSymbols: BATCH,
        onBatch: (p) => {
          run.batches.push(p);
          run.barsAtBatch.push(bars);
          // Only once the whole backfill has landed and the market service has started (its universe
          // refresh, due within the hour, then runs at the close), while the universe is still being seeded.
          if (closeBarAfterBatch !== undefined && !closed && run.batches.length >= closeBarAfterBatch && p.backfilled === p.streams) {
            closed = true;
            moves.push(clock.advance(H));
          }
          // Fires timers the bar closes set (an analysis flush is one), as a running clock would.
          else if (closeBarAfterBatch !== undefined) moves.push(clock.advance(0));
        },
      },
    },
  );
  engine.on('bar', () => bars++);
  engine.on('ranking', (result) => run.rankings.push({ afterBatches: run.batches.length, result }));
  try {
    await engine.start();
    await Promise.all(moves);
    run.final = engine.latestRanking();
  } finally {
    await engine.stop();
  }
  return run;
}

/** What a ranking says about the market, without the time its computation took. */
const ranked = (r: RankingResult | null) => (r ? { ...r, computeMs: undefined } : null);

describe('engine warm start: bars that close while the universe is seeded', () => {
  it('are held until the warm-up ends: rankings over the seeded symbols only, no signal cycle, and each close reaches the signal engine once', async () => {
    const totalBatches = SYMBOLS / BATCH;
    const run = await warmStart(WARM_START_MS, 2);

    expect(run.batches.map((b) => b.seeded)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(run.barsAtBatch.at(-1), 'the next bar closed on every series before the last batch was seeded').toBe(SYMBOLS);
    // Published inside a batch, before `onBatch` hears of it: after the first batch, whenever the seeded symbols doubled, then the whole universe.
    expect(run.rankings.map((r) => r.afterBatches), 'partial rankings during the warm-up, then the full one').toEqual([0, 1, 3, totalBatches]);
    expect(run.rankings.map((r) => r.result.rows.length), 'each ranks the symbols seeded by then').toEqual([2, 4, 8, SYMBOLS]);
    expect(run.cycles, 'one cycle, at the close that came in during the warm-up').toEqual([WARM_START_MS + H]);
    expect(run.seriesCloses[0], 'every series is at that close, those seeded before it as well').toEqual(Array<number>(SYMBOLS).fill(WARM_START_MS + H));
  });

  it('judges manipulation alerts on the whole market only, never on a partial warm-up ranking', async () => {
    const judged: number[] = [];
    const evaluate = ManipulationWatch.prototype.evaluate;
    vi.spyOn(ManipulationWatch.prototype, 'evaluate').mockImplementation(function (this: ManipulationWatch, rows, ...rest) {
      judged.push(rows.length);
      return evaluate.call(this, rows, ...rest);
    });
    const run = await warmStart(WARM_START_MS, 2);

    expect(run.rankings.map((r) => r.result.rows.length), 'partial rankings were published').toEqual([2, 4, 8, SYMBOLS]);
    expect(judged.length, 'the full ranking was judged').toBeGreaterThan(0);
    expect(judged.every((n) => n === SYMBOLS), `rows per judged ranking: ${judged.join(', ')}`).toBe(true);
  });

  it('ranks as a warm start that began after that close', async () => {
    const held = await warmStart(WARM_START_MS, 2);
    vi.restoreAllMocks();
    const later = await warmStart(WARM_START_MS + H);

    expect(later.barsAtBatch.at(-1), 'no bar closed during this warm-up').toBe(0);
    expect(later.cycles).toEqual(held.cycles);
    expect(ranked(held.final)).toEqual(ranked(later.final));
    expect(held.final!.rows.map((r) => r.symbol)).toEqual(later.final!.rows.map((r) => r.symbol));
  });
});
