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
}

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
 * Backfills every job concurrently; the source's limiter decides the actual pace. A failed job
 * is reported in its result, never thrown, so one bad symbol cannot stall a warm-up.
 */
export async function backfillAll(source: MarketDataSource, jobs: readonly BackfillJob[], options: BackfillOptions): Promise<BackfillResult[]> {
  let done = 0;
  return Promise.all(
    jobs.map(async (job) => {
      let result: BackfillResult;
      try {
        result = await backfillStream(source, job, options.nowMs, options.priority);
        if (result.warnings.length > 0) {
          options.logger.warn({ symbol: job.symbol, timeframe: job.timeframe, warnings: result.warnings }, 'backfill repaired candles');
        }
      } catch (err) {
        const error = isPerpscopeError(err) ? err : mapCcxtError(err, { exchange: source.exchangeId, operation: 'backfill', symbol: job.symbol });
        options.logger.warn({ symbol: job.symbol, timeframe: job.timeframe, code: error.code }, 'backfill failed');
        result = { ...job, candles: [], fetchedAtMs: options.nowMs(), requests: 0, warnings: [], error };
      }
      done++;
      options.onProgress?.({ done, total: jobs.length, job: result });
      return result;
    }),
  );
}
