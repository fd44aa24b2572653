import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from './io.js';
import { withBacktestDataOptions } from './backtestDataOptions.js';
import { intOption } from './parseOptions.js';
import type { GlobalOptions } from './program.js';
import type { SweepCliOptions } from './commands/sweepCommon.js';
import type { WalkForwardCliOptions } from './commands/walkForward.js';

const OBJECTIVE_HELP = 'ranking objective: sharpe, totalReturn, expectancy, profitFactor';

/**
 * `--workers`: refused above the CPU count rather than lowered to it, so a run never uses fewer
 * threads than it says. Backtests are CPU-bound, so threads beyond the CPUs add no speed, while
 * each one loads its own copy of the whole data set.
 */
function workersOption(cpus: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > cpus) {
      throw new InvalidArgumentError(`--workers: got ${JSON.stringify(raw)}, expected an integer from 1 to ${cpus} (this machine's available CPUs; each worker thread loads the whole data set)`);
    }
    return n;
  };
}

/** Data, period and candidate flags shared by `sweep` and `walk-forward`. */
function withSweepOptions(cmd: Command): Command {
  return withBacktestDataOptions(cmd)
    .option('--grid <spec>', "every combination: 'ema-cross.minAdx=0,20;breakout.volumeBurstMin=1.5,2'")
    .option('--random <n>', 'random search: this many samples over --space', intOption('--random', 1, 100_000))
    .option('--space <spec>', "with --random: 'ema-cross.minAdx=0..40;donchian-atr.riskPct' (a bare name takes the schema's min..max)")
    .option('--seed <n>', 'random-search seed', intOption('--seed', 0, 2 ** 31 - 1), 1)
    .option('--objective <name>', OBJECTIVE_HELP, 'sharpe')
    .option('--workers <n>', `worker threads (at most ${availableParallelism()}, this machine's CPUs)`, workersOption(availableParallelism()), 1)
    .option('--redis <url>', 'run on BullMQ workers (perpscope sweep-worker) through this Redis')
    .option('--queue <name>', 'with --redis: the queue name')
    .option('--json', 'print one JSON object even in a terminal');
}

/** Adds `sweep`, `walk-forward` and `sweep-worker`; each action imports its module lazily. */
export function addSweepCommands(program: Command, io: CliIo): void {
  const globals = () => program.opts<GlobalOptions>();
  withSweepOptions(program.command('sweep').description('backtest every candidate of a parameter grid or random search on the same data, ranked (in-sample)')).action(
    async (opts: SweepCliOptions) => {
      const { runSweepCommand } = await import('./commands/sweep.js');
      await runSweepCommand({ ...opts, ...globals() }, io);
    },
  );

  withSweepOptions(program.command('walk-forward').description('fit on each train window, test the choice on the window after it: out-of-sample metrics per fold and combined'))
    .requiredOption('--train <len>', 'train window: days (60d), hours (12h) or bars (720)')
    .requiredOption('--test <len>', 'test window: days, hours or bars')
    .option('--folds <n>', 'number of folds (the most recent; default: as many as fit)', intOption('--folds', 1, 1_000))
    .option('--embargo <len>', 'gap between each train window and its test window')
    .option('--anchored', 'every train window starts at the period start (default: rolling)')
    .action(async (opts: WalkForwardCliOptions) => {
      const { runWalkForwardCommand } = await import('./commands/walkForward.js');
      await runWalkForwardCommand({ ...opts, ...globals() }, io);
    });

  program
    .command('sweep-worker')
    .description('run sweep candidates from a BullMQ queue (for sweep --redis) until interrupted')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'queue name (default perpscope-sweep)')
    .option('--concurrency <n>', 'candidates at once in this process', intOption('--concurrency', 1, 64), 1)
    .action(async (opts: { redis: string; queue?: string; concurrency: number }) => {
      const { runSweepWorkerCommand } = await import('./commands/sweepWorker.js');
      await runSweepWorkerCommand(opts, io);
    });
}
