import { timeframeMs, type Candle, type Timeframe } from '@perpscope/shared';
import { isPerpscopeError, type PerpscopeError } from '../core/errors.js';
import { mapCcxtError } from '../core/ccxtErrors.js';
import type { Logger } from '../core/logger.js';
import type { LimiterPriority } from './weightedLimiter.js';
import type { MarketDataSource } from './marketDataSource.js';
import { sanitizeCandles, type CandleWarning } from './sanitizeCandles.js';

export interface BackfillJob {
  symbol: string;
  timeframe: Timeframe;
  /** Closed bars wanted (the forming bar comes on top when the exchange returns it). */
  bars: number;
}

export interface BackfillResult extends BackfillJob {
  /** Sanitized, ascending: at most `bars` closed bars, then the forming bar when the exchange sent it. */
  candles: Candle[];
  /** When the newest page arrived: bars closing after this were still forming when read. */
  fetchedAtMs: number;
  requests: number;
  warnings: CandleWarning[];
  error?: PerpscopeError;
}

export interface BackfillOptions {
  logger: Logger;
  nowMs: () => number;
  priority?: LimiterPriority;
  /** Called after each job, for progress bars. */
  onProgress?: (progress: { done: number; total: number; job: BackfillResult }) => void;
  /** Jobs in flight at once (default BACKFILL_CONCURRENCY). */
  concurrency?: number;
}

/**
 * Streams fetched at once. The source's limiter sets the pace; this only keeps the jobs in flight
 * few enough that they finish about in order, so the first symbols' history is complete early (a
 * warm start ranks them while the rest loads). With every job in flight at once, the requests,
 * their responses and (for an in-process sim) their generation share the thread evenly, and no
 * stream finishes until nearly all do. 64 keeps a limiter of a few hundred requests a second busy
 * at a second of latency, well above any venue's public rate limit.
 */
export const BACKFILL_CONCURRENCY = 64;

/**
 * Fetches the newest `bars` (+ forming) candles of one stream, newest page first and then older
 * pages until enough or the exchange runs out. Pacing is the source's business (its limiter);
 * this function only decides which pages to ask for.
 */
export async function backfillStream(source: MarketDataSource, job: BackfillJob, nowMs: () => number, priority?: LimiterPriority): Promise<BackfillResult> {
  const byOpenTime = new Map<number, Candle>();
  const wanted = job.bars + 1;
  const tfMs = timeframeMs(job.timeframe);
  let untilMs: number | undefined;
  let requests = 0;
  let fetchedAtMs = 0;
  while (byOpenTime.size < wanted) {
    const limit = Math.min(source.limits.maxCandlesPerCall, wanted - byOpenTime.size);
    const page = await source.fetchCandles(job.symbol, job.timeframe, {
      limit,
      ...(untilMs === undefined ? {} : { untilMs }),
      ...(priority ? { priority } : {}),
    });
    if (requests === 0) fetchedAtMs = nowMs();
    requests++;
    const sizeBefore = byOpenTime.size;
    for (const c of page) byOpenTime.set(c.openTimeMs, c);
    if (page.length < limit || byOpenTime.size === sizeBefore) break;
    untilMs = Math.min(...page.map((c) => c.openTimeMs));
  }
  const { candles, warnings } = sanitizeCandles([...byOpenTime.values()], { symbol: job.symbol, timeframe: job.timeframe });
  const closed = candles.filter((c) => c.openTimeMs + tfMs <= fetchedAtMs);
  const forming = candles.filter((c) => c.openTimeMs + tfMs > fetchedAtMs);
  return { ...job, candles: [...closed.slice(-job.bars), ...forming], fetchedAtMs, requests, warnings };
}

/**
 * Backfills every job, `concurrency` at a time in the order given; the source's limiter decides
 * the actual pace. Results come back in the order of `jobs`. A failed job is reported in its
 * result, never thrown, so one bad symbol cannot stall a warm-up.
 */
export async function backfillAll(source: MarketDataSource, jobs: readonly BackfillJob[], options: BackfillOptions): Promise<BackfillResult[]> {
  let done = 0;
  let next = 0;
  const results: BackfillResult[] = new Array<BackfillResult>(jobs.length);
  const run = async (job: BackfillJob): Promise<BackfillResult> => {
    try {
      const result = await backfillStream(source, job, options.nowMs, options.priority);
      if (result.warnings.length > 0) {
        options.logger.warn({ symbol: job.symbol, timeframe: job.timeframe, warnings: result.warnings }, 'backfill repaired candles');
      }
      return result;
    } catch (err) {
      const error = isPerpscopeError(err) ? err : mapCcxtError(err, { exchange: source.exchangeId, operation: 'backfill', symbol: job.symbol });
      options.logger.warn({ symbol: job.symbol, timeframe: job.timeframe, code: error.code }, 'backfill failed');
      return { ...job, candles: [], fetchedAtMs: options.nowMs(), requests: 0, warnings: [], error };
    }
  };
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const result = await run(jobs[i]!);
      results[i] = result;
      done++;
      options.onProgress?.({ done, total: jobs.length, job: result });
    }
  };
  const width = Math.max(1, Math.min(jobs.length, options.concurrency ?? BACKFILL_CONCURRENCY));
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}
