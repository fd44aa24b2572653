import { ErrorCode } from '@perpscope/shared';
import { PerpscopeError } from '../../core/errors.js';
import { createEngine, type EngineDeps } from '../../engine/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions, ScanCliOptions } from '../program.js';
import { createProgressBar } from '../render/progressBar.js';
import { fmtNum, fmtPrice, fmtUsd, renderTable } from '../render/table.js';

/** Request-rate multiplier for the in-process SimExchange: a demo scan should take seconds. */
const SIM_SCAN_RATE_SCALE = 20;

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.NetworkError,
  ErrorCode.RequestTimeout,
  ErrorCode.ExchangeUnavailable,
  ErrorCode.CircuitOpen,
  ErrorCode.RateLimited,
]);

export interface ScanRow {
  rank: number;
  symbol: string;
  quoteVolume24h: number;
  last: number;
  spreadBps: number | null;
}

/** `perpscope scan`: warm up once, print the ranked universe, exit. */
export async function runScan(opts: ScanCliOptions & GlobalOptions, io: CliIo, deps: EngineDeps = {}): Promise<void> {
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
          },
        }
      : {}),
  });
  const engine = createEngine(config, { ...deps, live: false });
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
    const rows: ScanRow[] = engine
      .universe()
      .slice(0, opts.top)
      .map((m) => ({ rank: m.rank, symbol: m.symbol, quoteVolume24h: m.quoteVolume24h, last: m.last, spreadBps: Number.isFinite(m.spreadBps) ? m.spreadBps : null }));
    if (asJson) {
      for (const row of rows) io.out(JSON.stringify(row));
    } else {
      io.out(
        renderTable(rows, [
          { header: '#', cell: (r) => String(r.rank) },
          { header: 'symbol', align: 'left', cell: (r) => r.symbol },
          { header: 'last', cell: (r) => fmtPrice(r.last) },
          { header: 'vol 24h $', cell: (r) => fmtUsd(r.quoteVolume24h) },
          { header: 'spread bps', cell: (r) => fmtNum(r.spreadBps ?? undefined, 1) },
        ]),
      );
    }
  } finally {
    await engine.stop();
  }
}
