import { InvalidInputError } from '../../core/errors.js';
import { parseBacktestConfig } from '../../backtest/config.js';
import { loadBacktestData, loadOptionsFor, type BacktestData, type LoadDataOptions } from '../../backtest/data.js';
import { createQueueEvaluator, redactRedisUrl } from '../../backtest/distributedSweep.js';
import { gridCandidates, parseSpaceSpec, randomCandidates, type Candidate } from '../../backtest/paramSpace.js';
import { OBJECTIVES, localEvaluator, type Objective, type SweepEvaluator, type SweepSetup } from '../../backtest/sweep.js';
import { createPoolEvaluator } from '../../backtest/sweepPool.js';
import { autotradeFromCli, backtestInputFromCli, type BacktestDataCliOptions } from '../backtestDataOptions.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions } from '../program.js';

/** Options `perpscope sweep` and `perpscope walk-forward` share. */
export interface SweepCliOptions extends GlobalOptions, BacktestDataCliOptions {
  /** `strategy.param=v1,v2;...`: every combination. */
  grid?: string;
  /** Random search: this many samples over `--space`. */
  random?: number;
  space?: string;
  seed?: number;
  objective?: string;
  workers?: number;
  redis?: string;
  queue?: string;
  json?: boolean;
}

export interface SweepRun {
  setup: SweepSetup;
  load: LoadDataOptions;
  data: BacktestData;
  candidates: Candidate[];
  objective: Objective;
  evaluator: SweepEvaluator;
  /** Which evaluator runs the candidates, for the output. */
  runner: string;
  close(): Promise<void>;
}

/** Reads the config, the candidates and the data, and starts the chosen evaluator; bad flags fail before any data is read. */
export async function prepareSweep(opts: SweepCliOptions, io: CliIo): Promise<SweepRun> {
  const { config } = loadCliConfig(opts, io.env, {});
  const objective = (opts.objective ?? 'sharpe') as Objective;
  const issues = [];
  if (!OBJECTIVES.includes(objective)) issues.push({ path: '--objective', received: JSON.stringify(opts.objective), expected: OBJECTIVES.join(', ') });
  if ((opts.grid === undefined) === (opts.random === undefined)) issues.push({ path: '--grid/--random', received: opts.grid === undefined ? 'neither' : 'both', expected: 'exactly one of --grid SPEC or --random N' });
  if (opts.random !== undefined && opts.space === undefined) issues.push({ path: '--space', received: 'nothing', expected: "the parameters to sample with --random, e.g. 'ema-cross.minAdx=0..40;donchian-atr.riskPct'" });
  if (opts.redis !== undefined && (opts.workers ?? 1) > 1) issues.push({ path: '--workers', received: String(opts.workers), expected: 'not with --redis (the worker processes are the parallelism)' });
  if (issues.length) throw new InvalidInputError('sweep options', issues);
  const candidates =
    opts.grid !== undefined ? gridCandidates(parseSpaceSpec(opts.grid, 'grid')) : randomCandidates(parseSpaceSpec(opts.space!, 'space'), { samples: opts.random!, seed: opts.seed ?? 1 });
  const backtest = parseBacktestConfig(backtestInputFromCli(opts));
  const load = loadOptionsFor(backtest);
  const setup: SweepSetup = { backtest, engineConfig: { risk: config.risk, signals: config.signals, profile: config.profile, universe: config.universe, autotrade: autotradeFromCli(opts, config.autotrade) } };
  const data = loadBacktestData(load);
  if (opts.redis !== undefined) {
    const q = await createQueueEvaluator({ redisUrl: opts.redis, load, setup, ...(opts.queue ? { queue: opts.queue } : {}) });
    return { setup, load, data, candidates, objective, evaluator: q, runner: `redis ${redactRedisUrl(opts.redis)}`, close: () => q.close() };
  }
  if ((opts.workers ?? 1) > 1) {
    const pool = createPoolEvaluator({ workers: opts.workers!, load, setup });
    return { setup, load, data, candidates, objective, evaluator: pool, runner: `${opts.workers} worker threads`, close: () => pool.close() };
  }
  return { setup, load, data, candidates, objective, evaluator: localEvaluator(setup), runner: 'this thread', close: async () => {} };
}

export const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
