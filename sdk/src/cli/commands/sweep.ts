import { sweep, type SweepRow } from '../../backtest/sweep.js';
import { toJsonText } from '../../backtest/runStore.js';
import type { CliIo } from '../io.js';
import { fmtNum, renderTable } from '../render/table.js';
import { iso, prepareSweep, type SweepCliOptions } from './sweepCommon.js';

/** What `--json` (or a pipe) prints: one object, every candidate best first. */
export interface SweepCliSummary {
  objective: string;
  runner: string;
  period: { fromMs: number; toMs: number; warmupBars: number };
  dataFingerprint: string;
  symbols: number;
  candidates: number;
  rows: SweepRow[];
}

/**
 * `perpscope sweep`: backtests every candidate of a grid (`--grid`) or a seeded random search
 * (`--random N --space SPEC --seed S`) on the same data, in this thread, on `--workers N` threads
 * or on BullMQ workers (`--redis URL`), and ranks them by `--objective`. These are in-sample
 * figures over the whole period: `perpscope walk-forward` gives out-of-sample ones.
 */
export async function runSweepCommand(opts: SweepCliOptions, io: CliIo): Promise<SweepCliSummary> {
  const asJson = opts.json === true || !io.isTTY;
  const run = await prepareSweep(opts, io);
  try {
    if (!asJson) io.err(`sweep: ${run.candidates.length} candidate${run.candidates.length === 1 ? '' : 's'} on ${run.data.symbols.length} symbols, ${run.runner}`);
    const result = await sweep({ setup: run.setup, data: run.data, candidates: run.candidates, objective: run.objective, evaluator: run.evaluator });
    const summary: SweepCliSummary = {
      objective: result.objective,
      runner: run.runner,
      period: result.window,
      dataFingerprint: run.data.fingerprint,
      symbols: run.data.symbols.length,
      candidates: run.candidates.length,
      rows: result.rows,
    };
    if (asJson) {
      io.out(toJsonText(summary));
      return summary;
    }
    io.out(
      renderTable(result.rows, [
        { header: '#', cell: (r) => String(r.rank) },
        { header: 'candidate', align: 'left', cell: (r) => r.key },
        { header: result.objective, cell: (r) => fmtNum(r.score ?? undefined, 3) },
        { header: 'trades', cell: (r) => String(r.metrics.trades) },
        { header: 'return %', cell: (r) => fmtNum(r.metrics.totalReturnPct) },
        { header: 'sharpe', cell: (r) => fmtNum(r.metrics.sharpe ?? undefined) },
        { header: 'PF', cell: (r) => fmtNum(r.metrics.profitFactor ?? undefined) },
        { header: 'exp. %', cell: (r) => fmtNum(r.metrics.expectancyPct ?? undefined, 3) },
        { header: 'max DD %', cell: (r) => fmtNum(r.metrics.maxDrawdownPct) },
      ]),
    );
    io.out(`in-sample over ${iso(result.window.fromMs)} .. ${iso(result.window.toMs)} UTC; for out-of-sample figures run perpscope walk-forward`);
    return summary;
  } finally {
    await run.close();
  }
}
