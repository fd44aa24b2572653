import { timeframeMs } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';
import type { BacktestData } from './data.js';
import { makeFolds, type Fold, type FoldOptions } from './folds.js';
import { computeMetrics, type BacktestMetrics, type EquityPoint } from './metrics.js';
import type { Candidate, ParamSet } from './paramSpace.js';
import { sliceBacktestData, type DataWindow } from './sliceData.js';
import { localEvaluator, rankRuns, setupWindow, type Objective, type SweepEvaluator, type SweepRow, type SweepSetup } from './sweep.js';
import type { TradeRecord } from './trades.js';

export interface WalkForwardOptions {
  setup: SweepSetup;
  /** The full data; every fit gets a copy cut to its train window, every test one cut to its test window. */
  data: BacktestData;
  candidates: readonly Candidate[];
  objective?: Objective;
  /** Fold layout; the period defaults to the setup's from/to (else the data after the warm-up). */
  folds: Omit<FoldOptions, 'startMs' | 'endMs' | 'barMs'> & { startMs?: number; endMs?: number };
  /** Defaults to `localEvaluator(setup)`. */
  evaluator?: SweepEvaluator;
  /** Sees the data each fit is given, before the fit runs (instrumentation: no test bar may be in it). */
  onFit?: (fold: Fold, data: BacktestData) => void;
  /** Called after each fold's test run. */
  onFold?: (result: WalkForwardFold) => void;
}

export interface WalkForwardFold {
  fold: Fold;
  /** The candidate the fit chose: best in-sample by the objective. */
  chosen: { key: string; params: ParamSet };
  /** In-sample (train window) ranking. Fitting figures, not results. */
  inSample: SweepRow[];
  /** The chosen candidate on the test window, which the fit never saw. */
  outOfSample: BacktestMetrics;
  trades: TradeRecord[];
}

export interface WalkForwardResult {
  objective: Objective;
  folds: WalkForwardFold[];
  /** Every fold's test trades together, and the test equity curves chained (each fold adds its PnL). */
  outOfSample: { metrics: BacktestMetrics; trades: TradeRecord[]; equity: EquityPoint[] };
}

/**
 * Walk-forward optimisation: for each fold, backtests every candidate on the data cut to the
 * train window (the copy holds no bar opening at or after the train end, and the train end is
 * at or before the test start), picks the best by `objective`, then backtests that candidate on
 * the test window (with warm-up bars from before the test start: warming indicators up is not
 * fitting). The result's figures are out-of-sample; in-sample rankings are labelled as such.
 *
 * @example
 * const wf = await walkForward({ setup, data, candidates, folds: { train: { days: 60 }, test: { days: 30 }, folds: 3 } });
 * wf.outOfSample.metrics.sharpe;
 */
export async function walkForward(o: WalkForwardOptions): Promise<WalkForwardResult> {
  if (o.candidates.length === 0) throw new InvalidInputError('walk-forward options', [{ path: 'candidates', received: '[]', expected: 'at least one candidate' }]);
  const objective = o.objective ?? 'sharpe';
  const evaluator = o.evaluator ?? localEvaluator(o.setup);
  const period = setupWindow(o.setup, o.data);
  const warmupBars = period.warmupBars;
  const folds = makeFolds({
    ...o.folds,
    startMs: o.folds.startMs ?? period.fromMs,
    endMs: o.folds.endMs ?? period.toMs,
    barMs: timeframeMs(o.data.timeframe),
  });
  const results: WalkForwardFold[] = [];
  const chained: { equity: EquityPoint[]; metrics: BacktestMetrics }[] = [];
  for (const fold of folds) {
    const train: DataWindow = { fromMs: fold.trainStartMs, toMs: fold.trainEndMs, warmupBars };
    const fitData = sliceBacktestData(o.data, train);
    o.onFit?.(fold, fitData);
    const fitRuns = await evaluator.run(
      o.candidates.map((candidate) => ({ candidate, window: train, cut: true, keepTrades: false })),
      fitData,
    );
    const inSample = rankRuns(fitRuns, objective);
    const best = inSample[0]!;
    const chosen: Candidate = { key: best.key, params: best.params };
    const test: DataWindow = { fromMs: fold.testStartMs, toMs: fold.testEndMs, warmupBars };
    const [run] = await evaluator.run([{ candidate: chosen, window: test, cut: true, keepTrades: true }], sliceBacktestData(o.data, test));
    const result: WalkForwardFold = { fold, chosen, inSample, outOfSample: run!.metrics, trades: run!.trades ?? [] };
    results.push(result);
    o.onFold?.(result);
    chained.push({ equity: run!.equity ?? [], metrics: run!.metrics });
  }
  return { objective, folds: results, outOfSample: combineOutOfSample(results, chained) };
}

function combineOutOfSample(folds: readonly WalkForwardFold[], runs: readonly { equity: EquityPoint[]; metrics: BacktestMetrics }[]): WalkForwardResult['outOfSample'] {
  const initial = runs[0]?.metrics.initialEquityUsd ?? 0;
  const equity: EquityPoint[] = [];
  let offsetUsd = 0;
  for (const run of runs) {
    // Each fold's test run starts from the initial balance; chained, fold k starts where k-1 ended.
    const points = equity.length && run.equity[0]?.atMs === equity[equity.length - 1]!.atMs ? run.equity.slice(1) : run.equity;
    for (const p of points) equity.push({ atMs: p.atMs, equityUsd: p.equityUsd + offsetUsd, openPositions: p.openPositions });
    offsetUsd += run.metrics.finalEquityUsd - run.metrics.initialEquityUsd;
  }
  const trades = folds.flatMap((f) => f.trades);
  const tradedNotionalUsd = runs.reduce((s, r) => s + r.metrics.tradedNotionalUsd, 0);
  return { metrics: computeMetrics({ trades, equity, initialEquityUsd: initial, tradedNotionalUsd }), trades, equity };
}
