import type { Command } from 'commander';
import type { Timeframe } from '@perpscope/shared';
import type { BacktestConfigInput } from '../backtest/config.js';
import { intOption, listOption } from './parseOptions.js';

/** The recorded data, period and balance flags `backtest`, `sweep` and `walk-forward` share. */
export interface BacktestDataCliOptions {
  data: string;
  timeframe: Timeframe;
  symbols?: string[];
  from?: string;
  to?: string;
  warmup?: number;
  balance?: number;
}

export function withBacktestDataOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--data <dir>', 'directory of recorded candles (<SYM>_<tf>.csv or <tf>/<SYM>.csv, e.g. ../shared/data/binance-usdm-2024-10-2025-03)')
    .option('--timeframe <tf>', 'bar timeframe', '1h')
    .option('--symbols <list>', 'only these symbols (BTCUSDT or BTC/USDT:USDT, comma-separated)', listOption('--symbols'))
    .option('--from <date>', 'first traded bar (ISO date, UTC); warm-up bars come before it')
    .option('--to <date>', 'end of the period (exclusive)')
    .option('--warmup <n>', 'warm-up bars before --from', intOption('--warmup', 50, 5_000))
    .option('--balance <usd>', 'initial paper balance in USD', intOption('--balance', 1, 1_000_000_000));
}

/** The backtest options those flags stand for; unset flags keep the backtest's defaults. */
export function backtestInputFromCli(opts: BacktestDataCliOptions): BacktestConfigInput {
  return {
    data: opts.data,
    timeframe: opts.timeframe,
    ...(opts.symbols ? { symbols: opts.symbols } : {}),
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    ...(opts.warmup !== undefined ? { warmupBars: opts.warmup } : {}),
    ...(opts.balance !== undefined ? { initialBalanceUsd: opts.balance } : {}),
  };
}
