import type { Exchange } from 'ccxt';
import { SystemClock } from '../../core/clock.js';
import { InvalidInputError } from '../../core/errors.js';
import { EARLIEST_MS, LATEST_MS } from '../../data/cells.js';
import { downloadCandles, type DownloadReport } from '../../data/download/downloadCandles.js';
import { createCcxtExchange, simExchangeOptions } from '../../engine/exchangeClient.js';
import { BLOFIN_LIMITS, scaleLimits, type ExchangeLimits } from '../../market/exchangeLimits.js';
import { parseRecordedTimeMs } from '../../sim/replayFiles.js';
import { openStore } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions } from '../program.js';
import { renderTable } from '../render/table.js';

export interface DataDownloadCliOptions extends GlobalOptions {
  exchange?: string;
  /** Download from an in-process SimExchange (config `sim`: seed, symbols, startTimeMs...). */
  sim?: boolean;
  symbols: string[];
  timeframe: string;
  from: string;
  to?: string;
  /** Candles per request (default: the exchange's maximum). */
  pageLimit?: number;
  /** `--no-funding`: candles only. */
  funding?: boolean;
  json?: boolean;
}

export interface DataDownloadDeps {
  /** Stops the download (default: the process interrupt); a re-run resumes. */
  signal?: AbortSignal;
}

const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Imported open times' plausibility range: a bare year (`2025`) would otherwise be read as seconds since 1970. */
function dateOption(flag: string, raw: string): number {
  const ms = parseRecordedTimeMs(raw);
  if (!Number.isFinite(ms) || ms < EARLIEST_MS || ms >= LATEST_MS) {
    throw new InvalidInputError('data download options', [{ path: flag, received: JSON.stringify(raw), expected: 'a UTC date or date-time between 2000 and 2100 (2025-01-01, 2025-01-01T12:00:00Z) or epoch ms' }]);
  }
  return ms;
}

/**
 * `perpscope data download`: candles (and funding history where the exchange has it) from a ccxt
 * exchange, or an in-process SimExchange with `--sim`, into the home's store; paced like the
 * warm-up and resumable (a re-run fetches only the bars the store still lacks).
 */
export async function runDataDownload(opts: DataDownloadCliOptions, io: CliIo, deps: DataDownloadDeps = {}): Promise<DownloadReport> {
  const { config, home } = loadCliConfig(opts, io.env, opts.sim ? { exchange: 'sim' } : opts.exchange ? { exchange: opts.exchange } : {});
  const fromMs = dateOption('--from', opts.from);
  const toMs = opts.to !== undefined ? dateOption('--to', opts.to) : undefined;
  if (toMs !== undefined && toMs <= fromMs) throw new InvalidInputError('data download options', [{ path: '--to', received: JSON.stringify(opts.to), expected: `a time after --from (${opts.from})` }]);
  const asJson = opts.json === true || !io.isTTY;
  let exchange: Exchange;
  let nowMs: () => number = Date.now;
  let limits: ExchangeLimits | undefined;
  let storeExchange = config.exchange;
  let stopSim: (() => Promise<void>) | undefined;
  if (config.exchange === 'sim') {
    const [{ startSimExchange }, { loadSimClient }] = await Promise.all([import('../../sim/server.js'), import('../../sim/clientSetup.js')]);
    const sim = await startSimExchange(simExchangeOptions(config.sim));
    exchange = await loadSimClient(sim, { timeout: config.requestTimeoutMs, apiKey: '', secret: '', password: '' });
    nowMs = () => sim.nowMs();
    limits = scaleLimits(BLOFIN_LIMITS, config.sim.rateLimitScale);
    storeExchange = 'sim';
    stopSim = () => sim.stop();
  } else {
    exchange = await createCcxtExchange(config.exchange, { timeoutMs: config.requestTimeoutMs, sandbox: config.sandbox });
  }
  const controller = new AbortController();
  if (deps.signal) deps.signal.addEventListener('abort', () => controller.abort(), { once: true });
  else io.interrupted.then(() => controller.abort(), () => undefined);
  const store = openStore({ home });
  let report: DownloadReport;
  try {
    report = await downloadCandles(store, {
      exchange,
      storeExchange,
      symbols: opts.symbols,
      timeframe: opts.timeframe,
      fromMs,
      ...(toMs !== undefined ? { toMs } : {}),
      nowMs,
      clock: new SystemClock(),
      ...(limits ? { limits } : {}),
      ...(opts.pageLimit !== undefined ? { pageLimit: opts.pageLimit } : {}),
      funding: opts.funding !== false,
      signal: controller.signal,
      ...(asJson ? {} : { onPage: (p) => p.kind === 'candles' && io.err(`${p.symbol}: ${p.rows} candles, next from ${minute(p.nextFromMs)}`) }),
    });
  } finally {
    store.close();
    await exchange.close();
    await stopSim?.();
  }
  if (asJson) {
    io.out(JSON.stringify(report));
    return report;
  }
  io.out(
    renderTable(report.symbols, [
      { header: 'symbol', align: 'left', cell: (s) => s.symbol },
      { header: 'from', align: 'left', cell: (s) => `${minute(s.candles.startMs)}${s.candles.resumed ? ' (resumed)' : ''}` },
      { header: 'pages', cell: (s) => String(s.candles.pages) },
      { header: 'candles', cell: (s) => String(s.candles.stored) },
      { header: 'refused', cell: (s) => String(s.candles.refused) },
      { header: 'missing', cell: (s) => String(s.candles.gaps.reduce((n, g) => n + g.bars, 0)) },
      { header: 'funding', cell: (s) => ('skipped' in s.funding ? '-' : String(s.funding.stored)) },
      { header: 'error', align: 'left', cell: (s) => s.error ?? '' },
    ]),
  );
  io.out(`${report.exchange} ${report.timeframe} up to ${minute(report.toMs)}${report.aborted ? ' | interrupted: run the same command again to resume' : ''}`);
  return report;
}
