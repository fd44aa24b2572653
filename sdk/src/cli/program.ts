import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { TIMEFRAMES } from '@perpscope/shared';
import type { CliIo } from './io.js';
import { addSweepCommands } from './sweepCommands.js';
import { withBacktestDataOptions } from './backtestDataOptions.js';
import type { BacktestCliOptions } from './commands/backtest.js';
import { columnMapOption, intOption, isoTimeOption, listOption, sinceOption, type SinceSpec } from './parseOptions.js';

/** Lets another package (the desktop app's `serve`) add commands to the same `perpscope` CLI. */
export type CliExtension = (program: Command, io: CliIo) => void;

/** The SDK package's version (read at run time: package.json sits two levels above `dist/cli`). */
export function cliVersion(): string {
  try {
    const raw = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof raw.version === 'string' ? raw.version : 'unknown';
  } catch {
    // A bundled build may carry no package.json: every command must still run.
    return 'unknown';
  }
}

/**
 * Builds the `perpscope` command. Each action imports its module lazily so that `--help` and
 * unrelated commands never load ccxt, SQLite or the keychain.
 */
export function buildProgram(io: CliIo, extensions: readonly CliExtension[] = []): Command {
  const program = new Command('perpscope')
    .description('Scan crypto perpetual-swap markets, rank opportunities, score manipulation, and trade on paper or live.')
    .option('--home <dir>', 'config and data directory (default: PERPSCOPE_HOME or the OS user data dir)')
    .option('--config <file>', 'JSON config file (default: <home>/config.json)')
    .option('--set <key=value>', 'any config key for this run, over the file and env (repeatable), e.g. --set risk.gates.minDepthUsd=10000; keys: docs/configuration.md', (v: string, all: string[]) => [...all, v], [] as string[])
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command('sim')
    .description('start SimExchange, a loopback exchange speaking BloFin\'s API (or Binance USD-M\'s with --dialect); runs until killed')
    .option('--port <n>', 'port (0 picks a free one)', intOption('--port', 0, 65_535), 0)
    .option('--symbols <n>', 'number of generated symbols', intOption('--symbols', 1, 5_000), 200)
    .option('--seed <n>', 'generator seed', intOption('--seed', 0, 2 ** 31 - 1), 1)
    .option('--data <dir>', 'replay a recorded data directory instead of generating')
    .option('--private', 'serve the private API with a fresh test key, printed on start')
    .option('--dialect <name>', 'wire protocol: blofin (default), binanceusdm (Binance USD-M fapi REST), bybit (Bybit v5 linear REST) or htx (HTX linear-swap REST)')
    .action(async (opts: { port: number; symbols: number; seed: number; data?: string; private?: boolean; dialect?: string }) => {
      const { runSim } = await import('./commands/sim.js');
      const sim = await runSim(opts, io.out);
      await io.interrupted;
      await sim.stop();
    });

  program
    .command('scan')
    .description('one-off scan: warm up, rank the universe, print a table (or JSON lines when piped)')
    .option('--exchange <id>', 'ccxt exchange id (blofin, htx, binanceusdm, bybit, ...); a comma list (blofin,binanceusdm) scans each venue and adds cross-venue funding and basis rows')
    .option('--sim', 'start SimExchange in-process and scan it')
    .option('--sim-data <dir>', 'with --sim: replay a recorded data directory')
    .option('--top <n>', 'rows to print', intOption('--top', 1, 5_000), 20)
    .option('--timeframes <list>', 'comma-separated timeframes', listOption('--timeframes', TIMEFRAMES))
    .option('--profile <name>', 'ranking profile (scalp, swing, news)')
    .option('--json', 'print JSON lines even in a terminal')
    .option('--symbols <n>', 'with --sim: number of generated symbols', intOption('--symbols', 1, 5_000))
    .option('--seed <n>', 'with --sim: generator seed', intOption('--seed', 0, 2 ** 31 - 1))
    .option('--start <iso>', 'with --sim: sim start time (ISO 8601, UTC); with --seed the scan is the same every run', isoTimeOption('--start'))
    .action(async ({ start, ...opts }: ScanCliOptions & { start?: number }) => {
      const { runScan } = await import('./commands/scan.js');
      await runScan({ ...opts, ...(start !== undefined ? { startMs: start } : {}), ...program.opts<GlobalOptions>() }, io);
    });

  program
    .command('run')
    .description('scanner and trader: paper by default; JSON event lines when piped, else a live status view')
    .option('--paper', 'paper trading (default)')
    .option('--live', 'live trading: needs a stored key and --confirm-live')
    .option('--confirm-live', 'confirm that live mode places real orders with real money')
    .option('--exchange <id>', 'ccxt exchange id')
    .option('--sim', 'run against an in-process SimExchange')
    .option('--speed <n>', 'with --sim: sim seconds per wall second (default 60)', intOption('--speed', 1, 100_000))
    .option('--seed <n>', 'with --sim: generator seed', intOption('--seed', 0, 2 ** 31 - 1))
    .option('--start <iso>', 'with --sim: sim start time (ISO 8601, UTC), for a reproducible run', isoTimeOption('--start'))
    .option('--autotrade', 'route signals through RiskPolicy to the broker')
    .option('--label <label>', 'key label for live mode', 'default')
    .option('--json', 'print JSON event lines even in a terminal')
    .action(async ({ start, ...opts }: Omit<RunOptionsCli, 'home' | 'config'> & { start?: number }) => {
      const { runRun } = await import('./commands/run.js');
      await runRun({ ...opts, ...(start !== undefined ? { startMs: start } : {}), ...program.opts<GlobalOptions>() }, io);
    });

  withBacktestDataOptions(
    program.command('backtest').description('replay recorded candles through the paper-trading engine; metrics table, HTML/CSV/XLSX reports'),
  )
    .option('--out <dir>', 'where the reports go (default: <home>/backtests/<run id>)')
    .option('--baseline <file>', 'a result.json of an earlier run: fail (exit 1) on any change in trades, with a diff')
    .option('--json', 'print one JSON object even in a terminal')
    .action(async (opts: Omit<BacktestCliOptions, keyof GlobalOptions>) => {
      const { runBacktestCommand } = await import('./commands/backtest.js');
      const summary = await runBacktestCommand({ ...opts, ...program.opts<GlobalOptions>() }, io);
      if (summary.baseline && summary.baseline.differences.length > 0) throw new CommanderError(1, 'perpscope.backtest.baseline', '');
    });

  program
    .command('calibrate')
    .description('refit signal probabilities walk-forward on recorded candles; writes a calibration file with its out-of-sample evidence')
    .requiredOption('--data <dir>', 'directory of recorded candles (e.g. ../shared/data/binance-usdm-2024-10-2025-03)')
    .option('--out <file>', 'calibration file to write (default: <home>/calibration.json)')
    .option('--timeframe <tf>', 'bar timeframe', '1h')
    .option('--folds <n>', 'walk-forward time folds', intOption('--folds', 2, 50), 5)
    .option('--fee-bps <n>', 'round-trip fee charged on realized returns, bps', intOption('--fee-bps', 0, 1_000), 12)
    .option('--json', 'print one JSON object even in a terminal')
    .action(async (opts: { data: string; out?: string; timeframe: string; folds: number; feeBps: number; json?: boolean }) => {
      const { runCalibrate } = await import('./commands/calibrate.js');
      runCalibrate({ ...opts, timeframe: opts.timeframe as never, ...program.opts<GlobalOptions>() }, io);
    });

  addSweepCommands(program, io);

  program
    .command('panic')
    .description('kill switch on, then cancel open orders and close positions reduce-only (paper, or --live)')
    .option('--cancel', 'cancel open orders')
    .option('--close', 'close positions reduce-only at market')
    .option('--all', 'both (the default when neither is given)')
    .option('--symbols <list>', 'only these symbols (comma-separated, unified form)', listOption('--symbols'))
    .option('--live', 'the live ledger and exchange account (uses the stored key; reconciles first)')
    .option('--exchange <id>', 'ccxt exchange id')
    .option('--sim', 'the in-process SimExchange')
    .option('--label <label>', 'key label for --live', 'default')
    .action(async (opts: { cancel?: boolean; close?: boolean; all?: boolean; symbols?: string[]; exchange?: string; sim?: boolean; live?: boolean; label?: string }) => {
      const { runPanic } = await import('./commands/panic.js');
      const report = await runPanic({ ...opts, ...program.opts<GlobalOptions>() }, io);
      if (report.failures.length) throw new CommanderError(1, 'perpscope.panic', '');
    });

  const data = program.command('data').description('candle history in the local store: import files, download from an exchange, list coverage');
  data
    .command('import')
    .description('import candle files (Binance Vision CSV/zip, freqtrade JSON/feather, OHLCV CSV) from a FILE or every recognised file under a DIR')
    .argument('<path>', 'file or directory')
    .option('--exchange <id>', 'exchange key to store under (default: from the path, e.g. binanceusdm, bybit)')
    .option('--symbol <symbol>', 'symbol (default: from the file name)')
    .option('--timeframe <tf>', 'timeframe (default: from the file name)')
    .option('--map <pairs>', 'CSV column names: time=ts,open=o,high=h,low=l,close=c,volume=v', columnMapOption('--map'))
    .addOption(new Option('--on-conflict <mode>', 'rows sharing an open time but differing: refuse the file, or keep the last').choices(['refuse', 'last']).default('refuse'))
    .addOption(new Option('--last-row <mode>', 'the last row of recorded CSVs (auto: dropped as unfinished unless it closes a month)').choices(['auto', 'keep', 'drop']).default('auto'))
    .option('--json', 'print one JSON object even in a terminal')
    .action(async (path: string, opts: { exchange?: string; symbol?: string; timeframe?: string; map?: Record<string, string>; onConflict: 'refuse' | 'last'; lastRow: 'auto' | 'keep' | 'drop'; json?: boolean }) => {
      const { runDataImport } = await import('./commands/dataImport.js');
      const report = await runDataImport({ ...opts, path, ...program.opts<GlobalOptions>() }, io);
      if (report.totals.failed > 0) throw new CommanderError(1, 'perpscope.data.import', '');
    });
  data
    .command('download')
    .description('download candles (and funding history where the exchange has it) into the store; paced, resumable')
    .option('--exchange <id>', 'ccxt exchange id')
    .option('--sim', 'download from an in-process SimExchange')
    .requiredOption('--symbols <list>', 'symbols, comma-separated (BTCUSDT or BTC/USDT:USDT)', listOption('--symbols'))
    .option('--timeframe <tf>', 'bar timeframe', '1h')
    .requiredOption('--from <date>', 'first bar (UTC date or date-time)')
    .option('--to <date>', 'end (exclusive; default: the newest closed bar)')
    .option('--page-limit <n>', 'candles per request (default: the exchange maximum)', intOption('--page-limit', 1, 10_000))
    .option('--no-funding', 'candles only')
    .option('--json', 'print one JSON object even in a terminal')
    .action(async (opts: { exchange?: string; sim?: boolean; symbols: string[]; timeframe: string; from: string; to?: string; pageLimit?: number; funding: boolean; json?: boolean }) => {
      const { runDataDownload } = await import('./commands/dataDownload.js');
      const report = await runDataDownload({ ...opts, ...program.opts<GlobalOptions>() }, io);
      if (report.symbols.some((s) => s.error !== undefined)) throw new CommanderError(1, 'perpscope.data.download', '');
    });
  data
    .command('list')
    .description('coverage of the store per exchange, symbol and timeframe: first, last, count, expected, gaps')
    .option('--exchange <id>', 'only this exchange key')
    .option('--symbol <symbol>', 'only this unified symbol')
    .option('--timeframe <tf>', 'only this timeframe')
    .option('--json', 'print one JSON object even in a terminal')
    .action(async (opts: { exchange?: string; symbol?: string; timeframe?: string; json?: boolean }) => {
      const { runDataList } = await import('./commands/dataList.js');
      runDataList({ ...opts, ...program.opts<GlobalOptions>() }, io);
    });

  program
    .command('events')
    .description('read the append-only event log (alerts, kill switch, funding, stop moves, reconciliations, ...); --follow to tail it')
    .option('--since <when>', 'from a span back (30m, 12h, 7d) or an ISO date or date-time in UTC', sinceOption('--since'))
    .option('--type <list>', 'only these event types, comma-separated (alert, kill_switch, funding, stop_moved, ...)', listOption('--type'))
    .option('--symbol <symbol>', 'only this unified symbol (BTC/USDT:USDT)')
    .addOption(new Option('--ledger <ledger>', 'only this ledger').choices(['paper', 'live']))
    .option('--limit <n>', 'at most this many: the newest, or with --since the first from then', intOption('--limit', 1, 1_000_000))
    .option('--follow', 'keep printing new events until interrupted')
    .option('--json', 'print one JSON object per event even in a terminal')
    .action(async (opts: { since?: SinceSpec; type?: string[]; symbol?: string; ledger?: 'paper' | 'live'; limit?: number; follow?: boolean; json?: boolean }) => {
      const { runEvents } = await import('./commands/events.js');
      const { type, ...rest } = opts;
      await runEvents({ ...rest, ...(type !== undefined ? { types: type } : {}), ...program.opts<GlobalOptions>() }, io);
    });

  const keys = program.command('keys').description('manage exchange API keys in the OS keychain (never in a file)');
  for (const action of ['set', 'list', 'delete', 'test'] as const) {
    const sub = keys
      .command(action)
      .description(
        {
          set: 'store a key: reads apiKey, secret and passphrase from a hidden prompt or stdin (never argv)',
          list: 'list stored key labels (never the secrets)',
          delete: 'remove a stored key',
          test: 'authenticate with a stored key (fetches the balance)',
        }[action],
      )
      .option('--exchange <id>', 'ccxt exchange id')
      .option('--label <label>', 'key label', 'default');
    // Only `test` talks to an exchange, so only it offers a sim to talk to.
    if (action === 'test') {
      sub.option('--sim-url <url>', 'a SimExchange base URL to test against (see `perpscope sim --private`)');
      sub.option('--sandbox', "the exchange's testnet (ccxt sandbox mode: blofin, binanceusdm, bybit)");
    }
    sub.action(async (opts: { exchange?: string; label: string; simUrl?: string; sandbox?: boolean }) => {
      const { runKeys } = await import('./commands/keys.js');
      const code = await runKeys(action, opts, io);
      if (code !== 0) throw new CommanderError(code, 'perpscope.keys', '');
    });
  }

  const alerts = program.command('alerts').description('alert sinks (Slack, Discord, Telegram, webhook): secrets in the OS keychain, see docs/alerts.md');
  alerts
    .command('set-sink <sink>')
    .description('store a sink secret (slack|discord|webhook: the URL; telegram: the bot token) from a hidden prompt or stdin (never argv)')
    .action(async (sink: string) => {
      const { runAlerts } = await import('./commands/alerts.js');
      const code = await runAlerts('set-sink', { sink, ...program.opts<GlobalOptions>() }, io);
      if (code !== 0) throw new CommanderError(code, 'perpscope.alerts', '');
    });
  alerts
    .command('delete-sink <sink>')
    .description('remove a sink secret (slack|discord|telegram|webhook) from the OS keychain')
    .action(async (sink: string) => {
      const { runAlerts } = await import('./commands/alerts.js');
      const code = await runAlerts('delete-sink', { sink, ...program.opts<GlobalOptions>() }, io);
      if (code !== 0) throw new CommanderError(code, 'perpscope.alerts', '');
    });
  alerts
    .command('test')
    .description('send a test alert to every enabled sink and print each result')
    .action(async () => {
      const { runAlerts } = await import('./commands/alerts.js');
      const code = await runAlerts('test', program.opts<GlobalOptions>(), io);
      if (code !== 0) throw new CommanderError(code, 'perpscope.alerts', '');
    });

  program.version(cliVersion(), '-V, --version', 'print the version');
  for (const extend of extensions) extend(program, io);
  return program;
}

interface RunOptionsCli {
  paper?: boolean;
  live?: boolean;
  confirmLive?: boolean;
  exchange?: string;
  sim?: boolean;
  autotrade?: boolean;
  label: string;
  json?: boolean;
  speed?: number;
  seed?: number;
}

export interface GlobalOptions {
  home?: string;
  config?: string;
  /** `--set key=value`, repeatable. */
  set?: string[];
}

export interface ScanCliOptions {
  exchange?: string;
  sim?: boolean;
  simData?: string;
  top: number;
  timeframes?: string[];
  profile?: string;
  json?: boolean;
  symbols?: number;
  seed?: number;
  /** With `sim`: the sim's start time (ms since epoch), so a seeded scan is the same every run. */
  startMs?: number;
}
