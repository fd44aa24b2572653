import { ErrorCode } from '@perpscope/shared';
import { ConfigError, PerpscopeError } from '../../core/errors.js';
import { createEngine, type EngineDeps } from '../../engine/index.js';
import { simDialectFor } from '../../engine/exchangeClient.js';
import type { RankingResult } from '../../ranking/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions, ScanCliOptions } from '../program.js';
import { createProgressBar } from '../render/progressBar.js';
import { fmtNum, fmtPrice, fmtUsd, renderTable } from '../render/table.js';
import { buildScanRows, manipBadge, scanRowJson } from './scanRows.js';

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
function biasLine(side: RankingResult['side']): string {
  const rule = side.basis === 'reversal' ? 'against the trend' : 'with the trend';
  if (side.evidence.length === 0) return `bias: ${rule} (by construction, not measured)`;
  const figures = side.evidence.map((e) => `${e.ic === null ? 'n/a' : e.ic.toFixed(4)} vs ${e.bestBaseline} ${e.bestBaselineIc === null ? 'n/a' : e.bestBaselineIc.toFixed(4)}`);
  return `bias: ${rule} (${side.orientationId}); out-of-sample rank IC ${figures.join(', ')}`;
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
  const { config } = loadCliConfig(opts, io.env, {
    ...(opts.sim ? { exchange: 'sim' } : opts.exchange ? { exchange: opts.exchange } : {}),
    ...(opts.timeframes ? { timeframes: opts.timeframes } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.sim
      ? {
          sim: {
            rateLimitScale: SIM_SCAN_RATE_SCALE,
            ...(opts.simData ? { dataDir: opts.simData } : {}),
            ...(opts.symbols !== undefined ? { symbols: opts.symbols } : {}),
            ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
            // A pinned start is a snapshot of that moment: with the seed, the same scan every run.
            ...(opts.startMs !== undefined ? { startTimeMs: opts.startMs, pausedAtStart: true } : {}),
          },
        }
      : {}),
  });
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
    if (err instanceof PerpscopeError && UNREACHABLE_CODES.has(err.code)) {
      throw new PerpscopeError(
        err.code,
        `cannot reach exchange "${config.exchange}" (${err.shortMessage}). Check the network, or run against the built-in SimExchange: perpscope scan --sim`,
        { cause: err, details: { exchange: config.exchange } },
      );
    }
    throw err;
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
          [
            { header: '#', cell: (r) => String(r.rank) },
            { header: 'symbol', align: 'left', cell: (r) => r.symbol },
            { header: 'score', cell: (r) => fmtNum(r.score, 2) },
            { header: 'bias', align: 'left', cell: (r) => r.side },
            { header: 'last', cell: (r) => fmtPrice(r.last) },
            { header: 'vol 24h $', cell: (r) => fmtUsd(r.quoteVolume24h), drop: 2 },
            { header: 'spread bps', cell: (r) => fmtNum(r.spreadBps ?? undefined, 1), drop: 3 },
            { header: 'book', align: 'left', cell: (r) => r.book, drop: 5 },
            { header: 'ATR %', cell: (r) => fmtNum(r.metrics.atrPct, 2), drop: 1 },
            { header: 'manipulation', align: 'left', cell: (r) => manipBadge(r.manipScore, r.flags), flex: true },
            { header: 'signals', align: 'left', cell: (r) => r.signals.map((s) => `${s.timeframe} ${s.side} ${s.score.toFixed(2)}`).join('; ') || '-', drop: 4 },
          ],
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
