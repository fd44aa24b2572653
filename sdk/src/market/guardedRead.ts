import { ErrorCode } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { mapCcxtError } from '../core/ccxtErrors.js';
import type { PerpscopeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { fullJitterBackoffMs, type BackoffOptions } from './backoff.js';
import { countsAsBreakerFailure, type CircuitBreaker } from './circuitBreaker.js';
import type { LimiterPriority, WeightedLimiter } from './weightedLimiter.js';

/** Everything that stands between a read and the exchange. */
export interface ReadGuard {
  exchangeId: string;
  limiter: WeightedLimiter;
  breaker: CircuitBreaker;
  clock: Clock;
  logger: Logger;
  backoff: BackoffOptions;
  /** Attempts per read, the first included. */
  maxAttempts: number;
  random: () => number;
  /** Called with each backoff pause, for the health snapshot. */
  onBackoff?: (pause: { operation: string; symbol?: string; untilMs: number }) => void;
}

export interface ReadRequest {
  operation: string;
  weight: number;
  symbol?: string;
  priority?: LimiterPriority;
}

/**
 * Runs one idempotent read through breaker, limiter and retries. Only errors that
 * `mapCcxtError` marks `retryable` are retried, with full-jitter backoff; a 429 also slows the
 * limiter down. An open breaker fails fast with `CircuitOpenError`. Writes never go through
 * here: a blind resend of an order is never safe.
 */
export async function guardedRead<T>(guard: ReadGuard, request: ReadRequest, fn: () => Promise<T>): Promise<T> {
  const context = { exchange: guard.exchangeId, operation: request.operation, ...(request.symbol ? { symbol: request.symbol } : {}) };
  for (let attempt = 0; ; attempt++) {
    guard.breaker.acquire();
    let error: PerpscopeError;
    try {
      const value = await guard.limiter.schedule(request.weight, fn, request.priority);
      guard.breaker.recordSuccess();
      return value;
    } catch (err) {
      error = mapCcxtError(err, context);
    }
    if (error.code === ErrorCode.RateLimited) guard.limiter.reportRateLimited();
    if (countsAsBreakerFailure(error)) guard.breaker.recordFailure();
    else guard.breaker.release();
    // An open breaker means the exchange is down: fail fast instead of sleeping through it.
    if (!error.retryable || error.code === ErrorCode.CircuitOpen || attempt + 1 >= guard.maxAttempts) throw error;
    const pauseMs = fullJitterBackoffMs(attempt, guard.backoff, guard.random);
    guard.onBackoff?.({ operation: request.operation, ...(request.symbol ? { symbol: request.symbol } : {}), untilMs: guard.clock.nowMs() + pauseMs });
    guard.logger.debug({ ...context, attempt, pauseMs, code: error.code }, 'retrying read after backoff');
    await guard.clock.sleep(pauseMs);
  }
}
