import { timeframeMs } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';
import type { PerpscopeConfigInput } from '../config/index.js';
import { parseBacktestConfig, type BacktestConfigInput } from './config.js';
import type { BacktestData } from './data.js';
import type { BacktestMetrics, EquityPoint } from './metrics.js';
import { withCandidate, type Candidate, type ParamSet } from './paramSpace.js';
import { backtest } from './runBacktest.js';
import { sliceBacktestData, type DataWindow } from './sliceData.js';
import type { TradeRecord } from './trades.js';

/** What a sweep ranks candidates by. */
export const OBJECTIVES = ['sharpe', 'totalReturn', 'expectancy', 'profitFactor'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** Backtest options and engine settings every candidate of a sweep shares. */
export interface SweepSetup {
  /** `from`, `to` and `warmupBars` are set per task from its window. */
  backtest: BacktestConfigInput;
  engineConfig?: PerpscopeConfigInput;
}

/** One backtest of one candidate over one window. */
export interface SweepTask {
  candidate: Candidate;
  window: DataWindow;
  /**
   * True when the data is the full set cut to `window` with `sliceBacktestData` (walk-forward):
   * a worker holding the full data cuts its own copy the same way.
   */
  cut: boolean;
  /** Return the trades and the equity curve too (walk-forward test runs), not only the metrics. */
  keepTrades: boolean;
}

export interface CandidateRun {
  key: string;
  params: ParamSet;
  metrics: BacktestMetrics;
  signals: number;
  placed: number;
  trades?: TradeRecord[];
  equity?: EquityPoint[];
}

/** Runs tasks; local, on worker threads or on remote workers, always the same `backtest()`. */
export interface SweepEvaluator {
  /**
   * Runs every task on `data` (what the caller holds for the tasks' window: the full set, or the
   * full set cut to it when `task.cut`) and returns the runs in task order.
   */
  run(tasks: readonly SweepTask[], data: BacktestData): Promise<CandidateRun[]>;
}

/** One candidate's backtest, the unit every evaluator runs. */
export async function runCandidate(setup: SweepSetup, data: BacktestData, task: SweepTask): Promise<CandidateRun> {
  const r = await backtest(
    { ...setup.backtest, from: task.window.fromMs, to: task.window.toMs, warmupBars: task.window.warmupBars },
    { data, engineConfig: withCandidate(setup.engineConfig, task.candidate) },
  );
  return {
    key: task.candidate.key,
    params: task.candidate.params,
    metrics: r.metrics,
    signals: r.signals,
    placed: r.placed,
    ...(task.keepTrades ? { trades: r.trades, equity: r.equity } : {}),
  };
}

/** Runs the tasks one after another in this thread. */
export function localEvaluator(setup: SweepSetup): SweepEvaluator {
  return {
    async run(tasks, data) {
      const out: CandidateRun[] = [];
      for (const task of tasks) out.push(await runCandidate(setup, data, task));
      return out;
    },
  };
}

/**
 * Runs tasks on a worker that holds the full data set: a task with `cut` gets the data cut to its
 * window (the last cut is kept, since the tasks of one window come together).
 */
export function windowedRunner(setup: SweepSetup, full: BacktestData): (task: SweepTask) => Promise<CandidateRun> {
  let last: { key: string; data: BacktestData } | null = null;
  return (task) => {
    if (!task.cut) return runCandidate(setup, full, task);
    const key = `${task.window.fromMs}|${task.window.toMs}|${task.window.warmupBars}`;
    if (last?.key !== key) last = { key, data: sliceBacktestData(full, task.window) };
    return runCandidate(setup, last.data, task);
  };
}

/**
 * The objective's value for a run; null (ranked last) when the metric is undefined, such as a
 * Sharpe ratio without variance. A profit factor without a loss but with a profit is +Infinity.
 */
export function objectiveScore(m: BacktestMetrics, objective: Objective): number | null {
  switch (objective) {
    case 'sharpe':
      return m.sharpe;
    case 'totalReturn':
      return m.totalReturnPct;
    case 'expectancy':
      return m.expectancyPct;
    case 'profitFactor':
      return m.profitFactor ?? (m.grossProfitUsd > 0 ? Number.POSITIVE_INFINITY : null);
  }
}

export interface SweepRow {
  /** 1 for the best. */
  rank: number;
  key: string;
  params: ParamSet;
  /** The objective's value, null when undefined for this run. */
  score: number | null;
  metrics: BacktestMetrics;
  signals: number;
  placed: number;
}

/** Sorted best first by score (nulls and NaN last), ties broken by candidate key: a total order. */
export function rankRuns(runs: readonly CandidateRun[], objective: Objective): SweepRow[] {
  const scored = runs.map((r) => {
    const s = objectiveScore(r.metrics, objective);
    return { run: r, score: s === null || Number.isNaN(s) ? null : s };
  });
  scored.sort((a, b) => {
    if (a.score !== b.score) {
      if (a.score === null) return 1;
      if (b.score === null) return -1;
      if (a.score !== b.score) return b.score - a.score;
    }
    return a.run.key < b.run.key ? -1 : a.run.key > b.run.key ? 1 : 0;
  });
  return scored.map(({ run, score }, i) => ({ rank: i + 1, key: run.key, params: run.params, score, metrics: run.metrics, signals: run.signals, placed: run.placed }));
}

/** The period a replay of `data` trades by default: after `warmupBars` bars, to the last close. */
export function dataPeriod(data: BacktestData, warmupBars: number): { startMs: number; endMs: number } {
  const tfMs = timeframeMs(data.timeframe);
  const series = [...data.candles.values()].filter((c) => c.length > 0);
  return {
    startMs: Math.min(...series.map((c) => c[Math.min(warmupBars, c.length - 1)]!.openTimeMs)),
    endMs: Math.max(...series.map((c) => c[c.length - 1]!.openTimeMs + tfMs)),
  };
}

export interface SweepOptions {
  setup: SweepSetup;
  /** The loaded data every candidate replays (unchanged: a sweep does not cut it). */
  data: BacktestData;
  candidates: readonly Candidate[];
  objective?: Objective;
  /** Defaults to the setup's `from`/`to`/`warmupBars`, else the whole data after the warm-up. */
  window?: DataWindow;
  /** Defaults to `localEvaluator(setup)`. */
  evaluator?: SweepEvaluator;
}

export interface SweepResult {
  objective: Objective;
  window: DataWindow;
  /** Every candidate, best first (`rankRuns`). */
  rows: SweepRow[];
}

/** The window of the setup's `from`/`to` and `warmupBars`, else the whole data after the warm-up. */
export function setupWindow(setup: SweepSetup, data: BacktestData): DataWindow {
  const config = parseBacktestConfig(setup.backtest);
  const period = dataPeriod(data, config.warmupBars);
  return { fromMs: config.from ?? period.startMs, toMs: config.to ?? period.endMs, warmupBars: config.warmupBars };
}

/**
 * Backtests every candidate on the same data and ranks them by `objective` (default Sharpe).
 * Deterministic: the same data, candidates and setup give the same rows in the same order,
 * whichever evaluator ran them.
 *
 * @example
 * const candidates = gridCandidates(parseSpaceSpec('ema-cross.minAdx=0,20'));
 * const { rows } = await sweep({ setup: { backtest: { data: dir } }, data, candidates });
 */
export async function sweep(o: SweepOptions): Promise<SweepResult> {
  if (o.candidates.length === 0) throw new InvalidInputError('sweep options', [{ path: 'candidates', received: '[]', expected: 'at least one candidate' }]);
  const objective = o.objective ?? 'sharpe';
  const window = o.window ?? setupWindow(o.setup, o.data);
  const evaluator = o.evaluator ?? localEvaluator(o.setup);
  const runs = await evaluator.run(
    o.candidates.map((candidate) => ({ candidate, window, cut: false, keepTrades: false })),
    o.data,
  );
  return { objective, window, rows: rankRuns(runs, objective) };
}
