import { BacktestRunIdSchema, BacktestRunSummaryViewSchema, BacktestRunViewSchema, ok, type BacktestRunView, type Result } from '@perpscope/shared';
import { z } from 'zod';
import type { Host } from '../host/host.js';
import { defineTool, type McpTool, type ToolAnswer } from './defineTool.js';
import { backtestSummary } from './summaries.js';

/** A stored run's metrics and breakdowns, without the per-bar series and the trade list. */
export const BacktestSummaryRun = BacktestRunSummaryViewSchema.extend({
  byStrategy: BacktestRunViewSchema.shape.byStrategy,
  bySide: BacktestRunViewSchema.shape.bySide,
  monthly: BacktestRunViewSchema.shape.monthly,
});
export const BacktestSummaryOutput = z.object({ run: BacktestSummaryRun.nullable() });
type BacktestSummaryAnswer = ToolAnswer<z.output<typeof BacktestSummaryOutput>>;

const BacktestSummaryInput = z.strictObject({ id: BacktestRunIdSchema.optional() });

function toSummaryRun(run: BacktestRunView): z.output<typeof BacktestSummaryRun> {
  const { equity: _equity, drawdown: _drawdown, trades, ...rest } = run;
  return { ...rest, trades: trades.length };
}

/** `backtest_summary`: a stored run's metrics, the latest when no id is given. */
export function backtestTools(host: Host): McpTool[] {
  return [
    defineTool({
      name: 'backtest_summary',
      title: 'Backtest results',
      description:
        'Metrics of a stored backtest run (return, drawdown, Sharpe/Sortino/Calmar, win rate, profit factor, expectancy, fees and funding in USD) with breakdowns by strategy, side and month. The latest run when no id is given; run null when none is stored.',
      input: BacktestSummaryInput,
      fields: { id: 'run id from the Backtest view or `perpscope backtest` (default: the latest run)' },
      output: BacktestSummaryOutput,
      readOnly: true,
      async run(args): Promise<Result<BacktestSummaryAnswer>> {
        let id = args.id;
        if (id === undefined) {
          const list = await host.call('backtest.list', { limit: 1 });
          if (!list.ok) return list;
          id = list.value.runs[0]?.id;
          if (id === undefined) return ok({ summary: 'No backtest run is stored yet: run one from the Backtest view or with `perpscope backtest`.', value: { run: null } });
        }
        const res = await host.call('backtest.get', { id });
        if (!res.ok) return res;
        const run = toSummaryRun(res.value);
        return ok({ summary: backtestSummary(run), value: { run } });
      },
    }),
  ];
}
