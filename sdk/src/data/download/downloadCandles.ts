import type { Exchange, OHLCV } from 'ccxt';
import { resolveSymbol, TIMEFRAMES, timeframeMs, type SymbolMarket, type Timeframe } from '@perpscope/shared';
import type { Clock } from '../../core/clock.js';
import { InvalidInputError, isPerpscopeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { candlesFromCcxt } from '../../market/ccxtConvert.js';
import { MarketOperation, type ExchangeLimits } from '../../market/exchangeLimits.js';
import type { Store } from '../../store/index.js';
import { FundingRateStore, type StoredFundingRate } from '../fundingRates.js';
import { missingBarRanges, type MissingRange } from '../coverage.js';
import { candleDefect } from '../repairCandles.js';
import { createPacedReads, type PacedReads } from './pacedReads.js';

const HOUR_MS = 3_600_000;
/** Funding rows per request; windows span this many hours, so even hourly funding cannot overflow a page. */
const FUNDING_PAGE = 100;

export interface DownloadCandlesOptions {
  /** A ccxt exchange instance (`createCcxtExchange(id)`, or `createBlofinClient(sim)`). */
  exchange: Exchange;
  /** Exchange key the rows are stored under (default `exchange.id`). */
  storeExchange?: string;
  /** Any spelling `resolveSymbol` accepts (`BTCUSDT`, `BTC/USDT:USDT`...). */
  symbols: readonly string[];
  timeframe: string;
  fromMs: number;
  /** Exclusive bound on open times; default: up to the newest closed bar. */
  toMs?: number;
  /** Exchange time: bars still forming at this time are never stored. */
  nowMs: () => number;
  /** Wall clock for request pacing. */
  clock: Clock;
  /** Default: the exchange's documented limits. */
  limits?: ExchangeLimits;
  /** Candles per request (default and maximum: the exchange's per-call maximum). */
  pageLimit?: number;
  /** Also fetch funding history where ccxt's `has.fetchFundingRateHistory` says so (default true). */
  funding?: boolean;
  /** Stops before the next request; what was stored stays, and a re-run fetches what is still missing. */
  signal?: AbortSignal;
  /** Called after each stored page. */
  onPage?: (page: DownloadPage) => void;
  logger?: Logger;
  random?: () => number;
}

export interface DownloadPage {
  symbol: string;
  kind: 'candles' | 'funding';
  /** Rows stored from this page. */
  rows: number;
  /** Where the next page starts. */
  nextFromMs: number;
}

export interface SymbolDownload {
  /** Unified symbol. */
  symbol: string;
  candles: {
    /** Where this run started: the first bar at or after `fromMs` the store did not hold. */
    startMs: number;
    /** True when the store already held the bars from `fromMs` up to `startMs`. */
    resumed: boolean;
    pages: number;
    stored: number;
    /** Bars the exchange sent that were impossible (high below open...), not stored. */
    refused: number;
    /**
     * Stretches of `[fromMs, toMs)` still without bars after a complete run (the exchange sent
     * none: before the listing, an outage, a transiently empty page). A later run asks for them
     * again. Empty when the run was stopped or failed before checking.
     */
    gaps: MissingRange[];
  };
  funding: { pages: number; stored: number; resumed: boolean } | { skipped: string };
  /** Set when this symbol stopped on an error (others continue). */
  error?: string;
}

export interface DownloadReport {
  exchange: string;
  timeframe: string;
  fromMs: number;
  /** The exclusive end actually used. */
  toMs: number;
  symbols: SymbolDownload[];
  /** True when `signal` stopped the download before it finished. */
  aborted: boolean;
}

/**
 * Downloads candles (and funding history where the exchange has it) into the store, forward in
 * time, one page per request through the warm-up's limiter, breaker and backoff. Each page is
 * stored in its own transaction as it arrives, and a run fetches only the stretches of
 * `[fromMs, toMs)` the store lacks (the first one is where it resumes): an interrupted download,
 * even one that started before a series stored earlier, ends with the same rows as an
 * uninterrupted one. Symbols run concurrently up to the exchange's request concurrency; an
 * unexpected error in one stops the others before their next request, and the call rejects only
 * once none of them is still writing.
 *
 * @example
 * const report = await downloadCandles(store, { exchange, symbols: ['BTCUSDT'], timeframe: '1h', fromMs: Date.UTC(2025, 0, 1), nowMs: Date.now, clock: new SystemClock() });
 */
export async function downloadCandles(store: Store, options: DownloadCandlesOptions): Promise<DownloadReport> {
  // Only timeframes whose bars divide a UTC day: their bars align to the epoch, so the floor and
  // ceil below find real bar boundaries (a Monday-aligned week or a calendar month would not).
  if (!(TIMEFRAMES as readonly string[]).includes(options.timeframe)) {
    throw new InvalidInputError('download', [{ path: 'timeframe', received: JSON.stringify(options.timeframe), expected: `one of ${TIMEFRAMES.join(', ')}` }]);
  }
  const supported = options.exchange.timeframes as Record<string, unknown> | undefined;
  if (supported && Object.keys(supported).length > 0 && !(options.timeframe in supported)) {
    throw new InvalidInputError('download', [{ path: 'timeframe', received: JSON.stringify(options.timeframe), expected: `a timeframe ${options.exchange.id} serves (${Object.keys(supported).join(', ')})` }]);
  }
  const tfMs = timeframeMs(options.timeframe as Timeframe);
  const paced = createPacedReads({
    exchange: options.exchange,
    clock: options.clock,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const storeExchange = options.storeExchange ?? options.exchange.id;
  const closedEndMs = Math.floor(options.nowMs() / tfMs) * tfMs;
  const toMs = Math.min(options.toMs ?? closedEndMs, closedEndMs);
  const funding = options.funding !== false && options.exchange.has.fetchFundingRateHistory === true ? new FundingRateStore(store.file) : undefined;
  const ctx: Context = { options, paced, store, storeExchange, tfMs, toMs, funding, aborted: false, failed: false };
  try {
    const symbols = await resolveAll(ctx);
    const results: SymbolDownload[] = new Array<SymbolDownload>(symbols.length);
    const failures: unknown[] = [];
    let next = 0;
    // A worker never rejects: an unexpected error stops the others at their next request, and the
    // call waits for all of them so that none writes after `finally` has closed the stores.
    const worker = async () => {
      while (next < symbols.length && !ctx.failed) {
        const i = next++;
        try {
          results[i] = await downloadSymbol(ctx, symbols[i]!);
        } catch (err) {
          ctx.failed = true;
          failures.push(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(symbols.length, paced.limits.maxConcurrent) }, worker));
    if (failures.length > 0) throw failures[0];
    return { exchange: storeExchange, timeframe: options.timeframe, fromMs: options.fromMs, toMs, symbols: results, aborted: ctx.aborted };
  } finally {
    funding?.close();
    paced.close(new Error('download finished'));
  }
}

interface Context {
  options: DownloadCandlesOptions;
  paced: PacedReads;
  store: Store;
  storeExchange: string;
  tfMs: number;
  toMs: number;
  funding: FundingRateStore | undefined;
  aborted: boolean;
  /** Set when a symbol failed with an unexpected error: the other symbols stop too. */
  failed: boolean;
}

async function resolveAll(ctx: Context): Promise<string[]> {
  const { exchange } = ctx.options;
  const markets = await ctx.paced.read({ operation: MarketOperation.loadMarkets, weight: ctx.paced.limits.weight(MarketOperation.loadMarkets) }, () => exchange.loadMarkets());
  const list = Object.values(markets).filter((m): m is NonNullable<typeof m> => m !== undefined) as unknown as SymbolMarket[];
  const resolved: string[] = [];
  const issues = [];
  for (const input of ctx.options.symbols) {
    const r = resolveSymbol(input, list);
    if (r.ok) resolved.push(r.symbol);
    else issues.push({ path: 'symbols', received: JSON.stringify(input), expected: `a perpetual on ${exchange.id}: ${r.reason}${r.candidates.length ? ` (${r.candidates.join(', ')})` : ''}` });
  }
  if (issues.length) throw new InvalidInputError('download', issues);
  return [...new Set(resolved)];
}

function stopped(ctx: Context): boolean {
  if (ctx.options.signal?.aborted) ctx.aborted = true;
  return ctx.aborted || ctx.failed;
}

async function downloadSymbol(ctx: Context, symbol: string): Promise<SymbolDownload> {
  const result: SymbolDownload = { symbol, candles: { startMs: ctx.options.fromMs, resumed: false, pages: 0, stored: 0, refused: 0, gaps: [] }, funding: { skipped: 'the exchange has no funding history (ccxt has.fetchFundingRateHistory)' } };
  try {
    await downloadSeries(ctx, symbol, result);
    if (ctx.funding) {
      result.funding = { pages: 0, stored: 0, resumed: false };
      await downloadFunding(ctx, symbol, ctx.funding, result.funding);
    }
  } catch (err) {
    if (!isPerpscopeError(err)) throw err;
    result.error = err.message;
  }
  return result;
}

async function downloadSeries(ctx: Context, symbol: string, result: SymbolDownload): Promise<void> {
  const { tfMs, toMs } = ctx;
  const key = { exchange: ctx.storeExchange, symbol, timeframe: ctx.options.timeframe };
  const startMs = Math.ceil(ctx.options.fromMs / tfMs) * tfMs;
  const missing = missingBarRanges(ctx.store, key, startMs, toMs, tfMs);
  result.candles.startMs = missing[0]?.fromMs ?? Math.max(startMs, toMs);
  result.candles.resumed = result.candles.startMs > startMs;
  for (const range of missing) {
    if (stopped(ctx)) return;
    await downloadRange(ctx, symbol, range, result);
  }
  if (!stopped(ctx)) result.candles.gaps = missingBarRanges(ctx.store, key, startMs, toMs, tfMs);
}

/** Pages forward through one stretch the store lacks; a page the exchange leaves empty stays a gap. */
async function downloadRange(ctx: Context, symbol: string, range: MissingRange, result: SymbolDownload): Promise<void> {
  const { exchange, timeframe } = ctx.options;
  const { tfMs } = ctx;
  const key = { exchange: ctx.storeExchange, symbol, timeframe };
  const pageLimit = Math.max(1, Math.min(ctx.options.pageLimit ?? ctx.paced.limits.maxCandlesPerCall, ctx.paced.limits.maxCandlesPerCall));
  let cursor = range.fromMs;
  while (cursor < range.toMs && !stopped(ctx)) {
    const limit = Math.min(pageLimit, Math.ceil((range.toMs - cursor) / tfMs));
    const windowEndMs = Math.min(cursor + limit * tfMs, range.toMs);
    const since = cursor;
    // `until` bounds the page for exchanges that page backwards from it (BloFin ignores `since`).
    const rows = await ctx.paced.read({ operation: MarketOperation.fetchOHLCV, weight: ctx.paced.limits.weight(MarketOperation.fetchOHLCV, limit), symbol }, () =>
      exchange.fetchOHLCV(symbol, timeframe, since, limit, { until: windowEndMs }),
    );
    const byTime = new Map<number, ReturnType<typeof candlesFromCcxt>[number]>();
    for (const c of candlesFromCcxt(rows as OHLCV[])) {
      if (c.openTimeMs < since || c.openTimeMs >= windowEndMs) continue;
      if (candleDefect(c, tfMs) !== null) {
        result.candles.refused++;
        continue;
      }
      byTime.set(c.openTimeMs, c);
    }
    const candles = [...byTime.values()].sort((a, b) => a.openTimeMs - b.openTimeMs);
    ctx.store.transaction(() => ctx.store.candles.upsertSeries(key, candles));
    result.candles.pages++;
    result.candles.stored += candles.length;
    // Past an empty window (nothing listed yet, an outage, a transient empty page) this run moves
    // on; the stretch stays missing in the store, is reported in `gaps`, and the next run asks again.
    cursor = candles.length > 0 ? candles[candles.length - 1]!.openTimeMs + tfMs : windowEndMs;
    ctx.options.onPage?.({ symbol, kind: 'candles', rows: candles.length, nextFromMs: cursor });
  }
}

async function downloadFunding(ctx: Context, symbol: string, funding: FundingRateStore, result: { pages: number; stored: number; resumed: boolean }): Promise<void> {
  const { fromMs } = ctx.options;
  const endMs = Math.min(ctx.options.toMs ?? ctx.options.nowMs(), ctx.options.nowMs());
  const missing = missingFundingRanges(funding.range(ctx.storeExchange, symbol).map((r) => r.fundingTimeMs), fromMs, endMs);
  result.resumed = missing.length > 0 ? missing[0]!.fromMs > fromMs : endMs > fromMs;
  for (const range of missing) {
    let cursor = range.fromMs;
    while (cursor < range.toMs && !stopped(ctx)) {
      const since = cursor;
      const windowEndMs = Math.min(cursor + FUNDING_PAGE * HOUR_MS, range.toMs);
      const rows = await ctx.paced.read({ operation: 'fetchFundingRateHistory', weight: 1, symbol }, () =>
        ctx.options.exchange.fetchFundingRateHistory(symbol, since, FUNDING_PAGE, { until: windowEndMs }),
      );
      const rates: StoredFundingRate[] = [];
      for (const r of rows) {
        const t = r.timestamp;
        const rate = r.fundingRate;
        if (typeof t !== 'number' || typeof rate !== 'number' || !Number.isFinite(rate) || t < since || t >= windowEndMs) continue;
        rates.push({ fundingTimeMs: t, rate });
      }
      rates.sort((a, b) => a.fundingTimeMs - b.fundingTimeMs);
      funding.upsert(ctx.storeExchange, symbol, rates);
      result.pages++;
      result.stored += rates.length;
      cursor = windowEndMs;
      ctx.options.onPage?.({ symbol, kind: 'funding', rows: rates.length, nextFromMs: cursor });
    }
  }
}

/**
 * Stretches of `[fromMs, endMs)` that can hold a settlement the store lacks. Settlements have no
 * fixed grid across exchanges, so the series' own smallest spacing stands for its interval: a
 * stretch longer than that between two stored settlements (or the range's ends) is fetched. With
 * fewer than two stored, the interval is unknown and the whole range is fetched.
 */
export function missingFundingRanges(storedTimesMs: readonly number[], fromMs: number, endMs: number): { fromMs: number; toMs: number }[] {
  const times = storedTimesMs.filter((t) => t >= fromMs && t < endMs);
  if (endMs <= fromMs) return [];
  if (times.length < 2) return [{ fromMs, toMs: endMs }];
  let intervalMs = Infinity;
  for (let i = 1; i < times.length; i++) intervalMs = Math.min(intervalMs, times[i]! - times[i - 1]!);
  const out: { fromMs: number; toMs: number }[] = [];
  if (times[0]! - fromMs >= intervalMs) out.push({ fromMs, toMs: times[0]! });
  for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > intervalMs) out.push({ fromMs: times[i - 1]! + 1, toMs: times[i]! });
  if (endMs - times[times.length - 1]! > intervalMs) out.push({ fromMs: times[times.length - 1]! + 1, toMs: endMs });
  return out;
}
