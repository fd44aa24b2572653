import { parseWindowLength, type Fold } from '../../backtest/folds.js';
import { metricRows } from '../../backtest/report/summary.js';
import type { BacktestMetrics } from '../../backtest/metrics.js';
import { toJsonText } from '../../backtest/runStore.js';
import { walkForward } from '../../backtest/walkForward.js';
import type { CliIo } from '../io.js';
import { fmtNum, renderTable } from '../render/table.js';
import { iso, prepareSweep, type SweepCliOptions } from './sweepCommon.js';

export interface WalkForwardCliOptions extends SweepCliOptions {
  folds?: number;
  train: string;
  test: string;
  embargo?: string;
  anchored?: boolean;
}

/** What `--json` (or a pipe) prints. Results are out-of-sample; `inSample` is the fit's own score. */
export interface WalkForwardCliSummary {
  objective: string;
  runner: string;
  candidates: number;
  dataFingerprint: string;
  folds: { fold: Fold; chosen: string; inSample: { score: number | null; trades: number }; outOfSample: BacktestMetrics }[];
  outOfSample: BacktestMetrics;
}

/**
 * `perpscope walk-forward`: for each fold, fits (sweeps the candidates) on the train window only
 * and backtests the chosen candidate on the test window that follows; prints the out-of-sample
 * figures per fold and combined.
 */
export async function runWalkForwardCommand(opts: WalkForwardCliOptions, io: CliIo): Promise<WalkForwardCliSummary> {
  const asJson = opts.json === true || !io.isTTY;
  const train = parseWindowLength(opts.train, '--train');
  const test = parseWindowLength(opts.test, '--test');
  const embargo = opts.embargo !== undefined ? parseWindowLength(opts.embargo, '--embargo') : undefined;
  const run = await prepareSweep(opts, io);
  try {
    const result = await walkForward({
      setup: run.setup,
      data: run.data,
      candidates: run.candidates,
      objective: run.objective,
      evaluator: run.evaluator,
      folds: { train, test, ...(embargo ? { embargo } : {}), ...(opts.anchored ? { anchored: true } : {}), ...(opts.folds !== undefined ? { folds: opts.folds } : {}) },
      onFold: (f) => {
        if (!asJson) io.err(`fold ${f.fold.index + 1}: chose ${f.chosen.key}; out-of-sample ${f.outOfSample.trades} trades, ${fmtNum(f.outOfSample.totalReturnPct)} %`);
      },
    });
    const summary: WalkForwardCliSummary = {
      objective: result.objective,
      runner: run.runner,
      candidates: run.candidates.length,
      dataFingerprint: run.data.fingerprint,
      folds: result.folds.map((f) => ({ fold: f.fold, chosen: f.chosen.key, inSample: { score: f.inSample[0]!.score, trades: f.inSample[0]!.metrics.trades }, outOfSample: f.outOfSample })),
      outOfSample: result.outOfSample.metrics,
    };
    if (asJson) {
      io.out(toJsonText(summary));
      return summary;
    }
    io.out(
      renderTable(result.folds, [
        { header: 'fold', cell: (f) => String(f.fold.index + 1) },
        { header: 'train (UTC)', align: 'left', cell: (f) => `${iso(f.fold.trainStartMs)} .. ${iso(f.fold.trainEndMs)}` },
        { header: 'test (UTC)', align: 'left', cell: (f) => `${iso(f.fold.testStartMs)} .. ${iso(f.fold.testEndMs)}` },
        { header: 'chosen', align: 'left', cell: (f) => f.chosen.key },
        { header: `in-sample ${result.objective}`, cell: (f) => fmtNum(f.inSample[0]!.score ?? undefined, 3) },
        { header: 'OOS trades', cell: (f) => String(f.outOfSample.trades) },
        { header: 'OOS return %', cell: (f) => fmtNum(f.outOfSample.totalReturnPct) },
        { header: 'OOS sharpe', cell: (f) => fmtNum(f.outOfSample.sharpe ?? undefined) },
        { header: 'OOS PF', cell: (f) => fmtNum(f.outOfSample.profitFactor ?? undefined) },
      ]),
    );
    io.out('out-of-sample, all folds:');
    io.out(renderTable(metricRows(result.outOfSample.metrics), [
      { header: 'metric', align: 'left', cell: (r) => r.label },
      { header: 'value', cell: (r) => r.value },
    ]));
    return summary;
  } finally {
    await run.close();
  }
}
