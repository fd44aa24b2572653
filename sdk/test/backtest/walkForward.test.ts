import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { InvalidInputError } from '../../src/core/errors.js';
import { backtest, backtestDataFrom, computeMetrics, loadBacktestData, type BacktestData } from '../../src/backtest/index.js';
import type { Fold } from '../../src/backtest/folds.js';
import { gridCandidates, parseSpaceSpec } from '../../src/backtest/paramSpace.js';
import { sliceBacktestData } from '../../src/backtest/sliceData.js';
import type { CandidateRun, SweepEvaluator, SweepTask } from '../../src/backtest/sweep.js';
import { walkForward } from '../../src/backtest/walkForward.js';
import { tempDir } from '../trading/helpers.js';
import { END, H, looseEngineConfig, writeGeneratedData } from './sweepFixtures.js';

const T0 = Date.UTC(2025, 0, 1);

function lastBarOpenMs(data: BacktestData): number {
  return Math.max(...[...data.candles.values()].map((c) => c[c.length - 1]!.openTimeMs));
}

/**
 * A cheap stand-in for the backtest: checks what each task's data holds against the task's
 * window, and scores candidates from the data so the choice depends on what the fit saw.
 */
function inspectingEvaluator(seen: { task: SweepTask; data: BacktestData }[]): SweepEvaluator {
  return {
    run(tasks, data) {
      return Promise.resolve(
        tasks.map((task): CandidateRun => {
          seen.push({ task, data });
          const equity = [{ atMs: task.window.fromMs, equityUsd: 1_000, openPositions: 0 }, { atMs: task.window.toMs, equityUsd: 1_000 + (lastBarOpenMs(data) % 7), openPositions: 0 }];
          const metrics = computeMetrics({ trades: [], equity, initialEquityUsd: 1_000, tradedNotionalUsd: 0 });
          metrics.sharpe = ((lastBarOpenMs(data) / H) * (task.candidate.key.length + 1)) % 11;
          return { key: task.candidate.key, params: task.candidate.params, metrics, signals: 0, placed: 0, ...(task.keepTrades ? { trades: [], equity } : {}) };
        }),
      );
    },
  };
}

describe('walk-forward: no test bar ever reaches a fit (property)', () => {
  const candidates = gridCandidates(parseSpaceSpec('ema-cross.minAdx=0,10,20'));

  it('for any data length, fold layout, symbol starts and period edges (on or off a bar boundary), every fit sees only bars that close by its train end', async () => {
    const arb = fc.record({
      bars: fc.integer({ min: 80, max: 600 }),
      // Period edges in ms after the first bar and before the data's end, almost never on a bar
      // boundary; absent: the data's own period.
      fromMs: fc.option(fc.integer({ min: 0, max: 150 * H }), { nil: undefined }),
      toCutMs: fc.option(fc.integer({ min: 0, max: 20 * H }), { nil: undefined }),
      starts: fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 3 }),
      warmupBars: fc.integer({ min: 50, max: 70 }),
      train: fc.integer({ min: 5, max: 200 }),
      test: fc.integer({ min: 3, max: 100 }),
      embargo: fc.integer({ min: 0, max: 10 }),
      anchored: fc.boolean(),
      folds: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    });
    let checked = 0;
    let checkedOffBoundary = 0;
    await fc.assert(
      fc.asyncProperty(arb, async (p) => {
        const candles = new Map<string, Candle[]>();
        const funding = new Map<string, { fundingTimeMs: number; rate: number }[]>();
        p.starts.forEach((start, i) => {
          const symbol = `S${i}/USDT:USDT`;
          candles.set(symbol, Array.from({ length: Math.max(1, p.bars - start) }, (_, k) => ({ openTimeMs: T0 + (start + k) * H, open: 1, high: 1.1, low: 0.9, close: 1, volume: 1 })));
          funding.set(symbol, Array.from({ length: Math.ceil(p.bars / 8) }, (_, k) => ({ fundingTimeMs: T0 + k * 8 * H, rate: 0.0001 })));
        });
        const data = backtestDataFrom('1h', candles, funding);
        const from = p.fromMs === undefined ? undefined : T0 + Math.min(...p.starts) * H + p.fromMs;
        const to = p.toCutMs === undefined ? undefined : lastBarOpenMs(data) + H - p.toCutMs;
        if (from !== undefined && to !== undefined && to <= from) return;
        const fits: { fold: Fold; data: BacktestData }[] = [];
        const seen: { task: SweepTask; data: BacktestData }[] = [];
        let result;
        try {
          result = await walkForward({
            setup: { backtest: { data: 'generated', timeframe: '1h', warmupBars: p.warmupBars, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) } },
            data,
            candidates,
            evaluator: inspectingEvaluator(seen),
            folds: { train: { bars: p.train }, test: { bars: p.test }, embargo: { bars: p.embargo }, anchored: p.anchored, ...(p.folds !== undefined ? { folds: p.folds } : {}) },
            onFit: (fold, fitData) => fits.push({ fold, data: fitData }),
          });
        } catch (err) {
          // Too short a period for the layout: refused up front, nothing to check.
          if (err instanceof InvalidInputError && err.issues[0]?.path === 'folds') return;
          throw err;
        }
        checked++;
        if ((from !== undefined && from % H !== 0) || (to !== undefined && to % H !== 0)) checkedOffBoundary++;
        expect(fits).toHaveLength(result.folds.length);
        for (const { fold, data: fit } of fits) {
          for (const edge of [fold.trainStartMs, fold.trainEndMs, fold.testStartMs, fold.testEndMs]) expect(edge % H, 'folds lie on bar boundaries').toBe(0);
          if (from !== undefined) expect(fold.trainStartMs, 'inside the period').toBeGreaterThanOrEqual(from);
          if (to !== undefined) expect(fold.testEndMs, 'inside the period').toBeLessThanOrEqual(to);
          for (const bars of fit.candles.values()) for (const c of bars) expect(c.openTimeMs + H, 'a fit bar closes by the train end').toBeLessThanOrEqual(fold.trainEndMs);
          for (const events of fit.funding.values()) for (const e of events) expect(e.fundingTimeMs, 'funding settled before the train end').toBeLessThan(fold.trainEndMs);
          expect(lastBarOpenMs(fit), 'the fit sees its whole train window').toBe(fold.trainEndMs - H);
        }
        const fitTasks = seen.filter((s) => !s.task.keepTrades);
        expect(fitTasks).toHaveLength(result.folds.length * candidates.length);
        for (const { task, data: given } of fitTasks) {
          const fold = result.folds.find((f) => f.fold.trainEndMs === task.window.toMs)!.fold;
          expect(task.window.toMs).toBeLessThanOrEqual(fold.testStartMs);
          expect(lastBarOpenMs(given) + H, 'the evaluator of a fit gets the cut data, not the full set').toBeLessThanOrEqual(fold.trainEndMs);
          expect(task.cut).toBe(true);
        }
        for (const f of result.folds) {
          expect(f.chosen.key, 'the choice is the best in-sample').toBe(f.inSample[0]!.key);
          expect(f.fold.trainEndMs).toBeLessThanOrEqual(f.fold.testStartMs);
        }
      }),
      { numRuns: 150, seed: 20_260_120 },
    );
    expect(checked, 'most generated layouts fit the data').toBeGreaterThan(30);
    expect(checkedOffBoundary, 'many of them with a period edge inside a bar').toBeGreaterThan(15);
  });
});

describe('walk-forward over the engine (generated bars)', () => {
  const tmp = tempDir('perpscope-walkforward-');
  afterAll(() => tmp.cleanup());
  writeGeneratedData(tmp.dir, { symbols: 2, bars: 220, seed: 7 });
  const data = loadBacktestData({ dir: tmp.dir, timeframe: '1h', warmupBars: 60 });
  const setup = { backtest: { data: tmp.dir, timeframe: '1h' as const, warmupBars: 60 }, engineConfig: looseEngineConfig };
  const candidates = gridCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.2,3'));

  it('fits on train windows, reports out-of-sample figures per fold and combined', async () => {
    const wf = await walkForward({ setup, data, candidates, folds: { train: { bars: 60 }, test: { bars: 40 }, folds: 2 } });
    expect(wf.folds).toHaveLength(2);
    const [a, b] = wf.folds;
    expect(a!.fold.testEndMs, 'test windows follow each other').toBe(b!.fold.testStartMs);
    expect(b!.fold.testEndMs).toBe(END);
    for (const f of wf.folds) {
      expect(f.inSample.map((r) => r.key).sort()).toEqual(candidates.map((c) => c.key).sort());
      for (const t of f.trades) {
        expect(t.openedAtMs).toBeGreaterThanOrEqual(f.fold.testStartMs);
        expect(t.closedAtMs).toBeLessThanOrEqual(f.fold.testEndMs);
      }
    }
    // The test run is the real engine: the chosen candidate backtested on the cut test data agrees.
    const direct = await backtest(
      { ...setup.backtest, from: b!.fold.testStartMs, to: b!.fold.testEndMs },
      { data: sliceBacktestData(data, { fromMs: b!.fold.testStartMs, toMs: b!.fold.testEndMs, warmupBars: 60 }), engineConfig: { ...looseEngineConfig, signals: { strategies: { breakout: { params: b!.chosen.params.breakout! } } } } },
    );
    expect(direct.metrics).toEqual(b!.outOfSample);
    const combined = wf.outOfSample;
    expect(combined.trades).toEqual([...a!.trades, ...b!.trades]);
    expect(combined.metrics.trades).toBe(a!.outOfSample.trades + b!.outOfSample.trades);
    expect(combined.metrics.trades, 'the generated bars trade out of sample').toBeGreaterThan(0);
    expect(combined.metrics.netPnlUsd).toBeCloseTo(a!.outOfSample.netPnlUsd + b!.outOfSample.netPnlUsd, 9);
    expect(combined.metrics.finalEquityUsd - combined.metrics.initialEquityUsd, 'the chained equity adds the folds').toBeCloseTo(
      a!.outOfSample.finalEquityUsd - a!.outOfSample.initialEquityUsd + (b!.outOfSample.finalEquityUsd - b!.outOfSample.initialEquityUsd),
      9,
    );
    expect(combined.metrics.startMs).toBe(a!.fold.testStartMs);
    expect(combined.metrics.endMs).toBe(END);
  }, 240_000);
});
