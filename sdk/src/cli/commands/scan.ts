import { ErrorCode } from '@perpscope/shared';
import { ConfigError, PerpscopeError } from '../../core/errors.js';
import { createEngine, type EngineDeps } from '../../engine/index.js';
import { simDialectFor } from '../../engine/exchangeClient.js';
import type { RankingResult } from '../../ranking/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions, ScanCliOptions } from '../program.js';
import { createProgressBar } from '../render/progressBar.js';
import { renderTable } from '../render/table.js';
import { buildScanRows, scanRowJson, scanTableColumns } from './scanRows.js';

/** Request-rate multiplier for the in-process SimExchange: a demo scan should take seconds. */
const SIM_SCAN_RATE_SCALE = 20;

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.NetworkError,
  ErrorCode.RequestTimeout,
  ErrorCode.ExchangeUnavailable,
  ErrorCode.CircuitOpen,
  ErrorCode.RateLimited,
]);

/** What the bias column means: the side rule and, when measured, its out-of-sample 4h IC against the best baseline. */
export function biasLine(side: RankingResult['side']): string {
  const rule = side.basis === 'reversal' ? 'against the trend' : 'with the trend';
  if (side.evidence.length === 0) return `bias: ${rule} (by construction, not measured)`;
  const figures = side.evidence.map((e) => `${e.ic === null ? 'n/a' : e.ic.toFixed(4)} vs ${e.bestBaseline} ${e.bestBaselineIc === null ? 'n/a' : e.bestBaselineIc.toFixed(4)}`);
  return `bias: ${rule} (${side.orientationId}); out-of-sample rank IC ${figures.join(', ')}`;
}

/** The scan's config for one venue: `--exchange` (or the sim, with `seed` over `--seed`), over the file's. */
export function loadScanConfig(opts: ScanCliOptions & GlobalOptions, io: CliIo, venue: { exchange?: string; seed?: number } = { ...(opts.exchange !== undefined ? { exchange: opts.exchange } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}) }) {
  return loadCliConfig(opts, io.env, {
    ...(opts.sim ? { exchange: 'sim' } : venue.exchange ? { exchange: venue.exchange } : {}),
    ...(opts.timeframes ? { timeframes: opts.timeframes } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.sim
      ? {
          sim: {
            rateLimitScale: SIM_SCAN_RATE_SCALE,
            ...(opts.simData ? { dataDir: opts.simData } : {}),
            ...(opts.symbols !== undefined ? { symbols: opts.symbols } : {}),
            ...(venue.seed !== undefined ? { seed: venue.seed } : {}),
            // A pinned start is a snapshot of that moment: with the seed, the same scan every run.
            ...(opts.startMs !== undefined ? { startTimeMs: opts.startMs, pausedAtStart: true } : {}),
          },
        }
      : {}),
  });
}

/** A start failure that means the exchange cannot be reached, reworded to name it and suggest the sim. */
export function unreachableError(err: unknown, exchange: string): unknown {
  if (!(err instanceof PerpscopeError && UNREACHABLE_CODES.has(err.code))) return err;
  return new PerpscopeError(
    err.code,
    `cannot reach exchange "${exchange}" (${err.shortMessage}). Check the network, or run against the built-in SimExchange: perpscope scan --sim`,
    { cause: err, details: { exchange } },
  );
}

/** `perpscope scan`: warm up once, print the ranked universe, exit. `--sim-data` implies `--sim`. */
export async function runScan(cli: ScanCliOptions & GlobalOptions, io: CliIo, deps: EngineDeps = {}): Promise<void> {
  // A recorded directory can only be replayed by the sim: without this, the scan would ignore it
  // and try the real exchange.
  const opts = cli.simData !== undefined ? { ...cli, sim: true } : cli;
  const simOnly = [opts.symbols !== undefined && '--symbols', opts.seed !== undefined && '--seed', opts.startMs !== undefined && '--start'].filter((f): f is string => Boolean(f));
  if (!opts.sim && simOnly.length > 0) {
    throw new ConfigError([{ path: 'sim', received: simOnly.join(', '), expected: '--sim as well: these apply to the in-process SimExchange only' }]);
  }
  // `--exchange a,b`: one engine per venue, merged (see scanVenues.ts).
  if (opts.exchange?.includes(',')) return (await import('./scanVenues.js')).runScanVenues(opts, io, deps);
  const { config } = loadScanConfig(opts, io);
  // With --sim, --exchange picks the protocol the in-process sim speaks (and ccxt's class for it).
  const simDialect = opts.sim ? simDialectFor(opts.exchange) : undefined;
  const engine = createEngine(config, { ...deps, live: false, ...(simDialect ? { simDialect } : {}) });
  const asJson = opts.json === true || !io.isTTY;
  const progress = asJson ? undefined : createProgressBar(`warming up ${config.exchange}`);
  if (progress) engine.on('progress', ({ done, total }) => progress.update(done, total));
  try {
    await engine.start();
  } catch (err) {
    progress?.stop();
    await engine.stop().catch(() => undefined);
    throw unreachableError(err, config.exchange);
  }
  progress?.stop();
  try {
    // Book, tape, funding and mark feed the cost and radar figures of every ranked symbol.
    await engine.refreshOrderFlows();
    const ranking = engine.rank({ top: opts.top, ...(opts.profile ? { profile: opts.profile } : {}) });
    const rows = buildScanRows(ranking.rows, engine.universe(), engine.signals());
    if (asJson) {
      for (const row of rows) io.out(scanRowJson(row));
    } else {
      io.out(
        renderTable(
          rows,
          scanTableColumns(),
          io.columns === undefined ? {} : { maxWidth: io.columns },
        ),
      );
      io.out(`profile ${ranking.profile} | ${ranking.universe} ranked | ${engine.signals().length} signals | ${config.exchange}${simDialect && simDialect !== 'blofin' ? ` (${simDialect})` : ''}`);
      io.out(biasLine(ranking.side));
    }
  } finally {
    await engine.stop();
  }
}
