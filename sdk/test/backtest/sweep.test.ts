import { afterAll, describe, expect, it } from 'vitest';
import { loadBacktestData, type LoadDataOptions } from '../../src/backtest/data.js';
import { gridCandidates, parseSpaceSpec, randomCandidates } from '../../src/backtest/paramSpace.js';
import { objectiveScore, rankRuns, sweep, type CandidateRun } from '../../src/backtest/sweep.js';
import { createPoolEvaluator, sweepWorkerEntry } from '../../src/backtest/sweepPool.js';
import { walkForward } from '../../src/backtest/walkForward.js';
import { tempDir } from '../trading/helpers.js';
import { looseEngineConfig, writeGeneratedData } from './sweepFixtures.js';

describe('sweep', () => {
  const tmp = tempDir('perpscope-sweep-');
  afterAll(() => tmp.cleanup());
  writeGeneratedData(tmp.dir, { symbols: 2, bars: 170, seed: 11 });
  const load: LoadDataOptions = { dir: tmp.dir, timeframe: '1h', warmupBars: 60 };
  const setup = { backtest: { data: tmp.dir, timeframe: '1h' as const, warmupBars: 60 }, engineConfig: looseEngineConfig };
  const space = parseSpaceSpec('breakout.volumeBurstMin=1.1..3;ema-cross.minAdx=0..30');
  let local: Awaited<ReturnType<typeof sweep>>;

  it('ranks every candidate by the objective; the same inputs and seed give identical results', async () => {
    const data = loadBacktestData(load);
    local = await sweep({ setup, data, candidates: randomCandidates(space, { samples: 3, seed: 5 }) });
    expect(local.rows).toHaveLength(3);
    expect(local.rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    for (let i = 1; i < local.rows.length; i++) {
      const [a, b] = [local.rows[i - 1]!, local.rows[i]!];
      expect(a.score === null ? -Infinity : a.score, 'best first').toBeGreaterThanOrEqual(b.score === null ? -Infinity : b.score);
    }
    for (const r of local.rows) expect(r.score).toBe(r.metrics.sharpe);
    expect(local.rows.some((r) => r.metrics.trades > 0), 'the generated bars trade').toBe(true);
    expect(new Set(local.rows.map((r) => r.metrics.finalEquityUsd)).size, 'the parameters change the outcome').toBeGreaterThan(1);
    const again = await sweep({ setup, data: loadBacktestData(load), candidates: randomCandidates(space, { samples: 3, seed: 5 }) });
    expect(again).toEqual(local);
  }, 240_000);

  it('on 2 worker threads gives exactly the single-thread result', async () => {
    const pool = createPoolEvaluator({ workers: 2, load, setup });
    try {
      const threaded = await sweep({ setup, data: loadBacktestData(load), candidates: randomCandidates(space, { samples: 3, seed: 5 }), evaluator: pool });
      expect(threaded).toEqual(local);
      // Walk-forward tasks carry their window: each worker cuts its own copy of the data the same way.
      const folds = { train: { bars: 50 }, test: { bars: 30 }, folds: 1 };
      const candidates = gridCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.2,3'));
      const data = loadBacktestData(load);
      const [here, there] = [await walkForward({ setup, data, candidates, folds }), await walkForward({ setup, data, candidates, folds, evaluator: pool })];
      expect(there).toEqual(here);
    } finally {
      await pool.close();
    }
  }, 240_000);

  it('ties are broken by candidate key; undefined scores rank last', () => {
    const base = local.rows[0]!.metrics;
    const run = (key: string, sharpe: number | null): CandidateRun => ({ key, params: {}, metrics: { ...base, sharpe }, signals: 0, placed: 0 });
    expect(rankRuns([run('b', 1), run('c', null), run('a', 1), run('d', 2)], 'sharpe').map((r) => r.key)).toEqual(['d', 'a', 'b', 'c']);
    expect(objectiveScore({ ...base, profitFactor: null, grossProfitUsd: 5 }, 'profitFactor'), 'profit and no loss').toBe(Infinity);
    expect(objectiveScore({ ...base, profitFactor: null, grossProfitUsd: 0 }, 'profitFactor')).toBeNull();
    expect(objectiveScore(base, 'totalReturn')).toBe(base.totalReturnPct);
    expect(objectiveScore(base, 'expectancy')).toBe(base.expectancyPct);
  });

  it('the pool loads the built worker file from dist, and a tsx bootstrap from the sources', () => {
    expect(sweepWorkerEntry('file:///app/sdk/dist/backtest/sweepPool.js')).toBe('file:///app/sdk/dist/backtest/sweepWorker.js');
    const fromSource = decodeURIComponent(sweepWorkerEntry());
    expect(fromSource.startsWith('data:text/javascript,')).toBe(true);
    expect(fromSource).toContain('tsx.register()');
    expect(fromSource).toContain('/sdk/src/backtest/sweepWorker.ts');
  });

  it('refuses an empty candidate list and a bad worker count', async () => {
    await expect(sweep({ setup, data: loadBacktestData(load), candidates: [] })).rejects.toThrow(/at least one candidate/);
    expect(() => createPoolEvaluator({ workers: 0, load, setup })).toThrow(/workers: got 0/);
  });
});
