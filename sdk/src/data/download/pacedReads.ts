import type { Exchange } from 'ccxt';
import type { Clock } from '../../core/clock.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { DEFAULT_BACKOFF } from '../../market/backoff.js';
import { CircuitBreaker } from '../../market/circuitBreaker.js';
import { limitsForExchange, type ExchangeLimits } from '../../market/exchangeLimits.js';
import { guardedRead, type ReadGuard, type ReadRequest } from '../../market/guardedRead.js';
import { WeightedLimiter } from '../../market/weightedLimiter.js';

export interface PacedReadsOptions {
  exchange: Exchange;
  /** Pacing runs on wall time (exchanges count their rate windows in wall time). */
  clock: Clock;
  /** Default: the exchange's documented limits (`limitsForExchange`). */
  limits?: ExchangeLimits;
  logger?: Logger;
  random?: () => number;
}

/** Reads of one exchange, paced and retried exactly as the warm-up's (`CcxtMarketData`). */
export interface PacedReads {
  readonly limits: ExchangeLimits;
  read<T>(request: ReadRequest, fn: () => Promise<T>): Promise<T>;
  close(reason: unknown): void;
}

/**
 * The warm-up's transport guard for a download: the exchange's weighted limiter, its circuit
 * breaker and full-jitter retries of retryable errors. ccxt's own throttle is switched off until
 * `close` because the limiter replaces it.
 */
export function createPacedReads(options: PacedReadsOptions): PacedReads {
  const exchange = options.exchange;
  // The instance is the caller's: its own throttle setting comes back on close.
  const ownRateLimit = exchange.enableRateLimit;
  exchange.enableRateLimit = false;
  const limits = options.limits ?? limitsForExchange(exchange);
  const logger = (options.logger ?? silentLogger).child({ exchange: exchange.id, task: 'download' });
  const limiter = new WeightedLimiter({ windows: limits.windows, maxConcurrent: limits.maxConcurrent, clock: options.clock, logger, safetyMarginMs: 50 });
  const guard: ReadGuard = {
    exchangeId: exchange.id,
    limiter,
    breaker: new CircuitBreaker({ name: exchange.id, clock: options.clock }),
    clock: options.clock,
    logger,
    backoff: DEFAULT_BACKOFF,
    maxAttempts: 4,
    random: options.random ?? Math.random,
  };
  return {
    limits,
    read: (request, fn) => guardedRead(guard, request, fn),
    close: (reason) => {
      limiter.clear(reason);
      exchange.enableRateLimit = ownRateLimit;
    },
  };
}
