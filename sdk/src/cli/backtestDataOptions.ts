import type { Command } from 'commander';
import type { Timeframe } from '@perpscope/shared';
import type { BacktestConfigInput } from '../backtest/config.js';
import { intOption, listOption } from './parseOptions.js';
import type { AutoTraderConfig } from '../trading/autoTraderConfig.js';

/** The recorded data, period and balance flags `backtest`, `sweep` and `walk-forward` share. */
export interface BacktestDataCliOptions {
  data: string;
  timeframe: Timeframe;
  symbols?: string[];
  from?: string;
  to?: string;
  warmup?: number;
  balance?: number;
  /** False with `--no-edge-gate`: every signal RiskPolicy passes is traded, evidence or not. */
  edgeGate?: boolean;
}

export function withBacktestDataOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--data <dir>', 'directory of recorded candles (<SYM>_<tf>.csv or <tf>/<SYM>.csv, e.g. ../shared/data/binance-usdm-2024-10-2025-03)')
    .option('--timeframe <tf>', 'bar timeframe', '1h')
    .option('--symbols <list>', 'only these symbols (BTCUSDT or BTC/USDT:USDT, comma-separated)', listOption('--symbols'))
    .option('--from <date>', 'first traded bar (ISO date, UTC); warm-up bars come before it')
    .option('--to <date>', 'end of the period (exclusive)')
    .option('--warmup <n>', 'warm-up bars before --from', intOption('--warmup', 50, 5_000))
    .option('--balance <usd>', 'initial paper balance in USD', intOption('--balance', 1, 1_000_000_000))
    .option('--no-edge-gate', 'trade every signal RiskPolicy passes, not only those backed by out-of-sample evidence (autotrade.edge.require = false)');
}

/** The config's AutoTrader settings, with the edge gate off under `--no-edge-gate`. */
export function autotradeFromCli(opts: Pick<BacktestDataCliOptions, 'edgeGate'>, autotrade: AutoTraderConfig): AutoTraderConfig {
  return opts.edgeGate === false ? { ...autotrade, edge: { ...autotrade.edge, require: false } } : autotrade;
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
