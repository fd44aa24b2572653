import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { RateWindow } from './exchangeLimits.js';

export interface WeightedLimiterOptions {
  /** Every window holds at once (e.g. 500/60 s and 1,500/300 s). */
  windows: readonly RateWindow[];
  /** Requests in flight at once. */
  maxConcurrent: number;
  clock: Clock;
  logger?: Logger;
  /**
   * Extra time a finished request stays counted. A slot is released `windowMs` after the
   * response arrived (not after it was sent), since the server saw the request somewhere in
   * between; the margin covers clock skew beyond that. It is capped at 1 % of each window: on a
   * one-second window (HTX) a 50 ms margin alone would cost 5 % of the budget.
   */
  safetyMarginMs?: number;
  /** Pause after a 429 when the server gave no Retry-After. */
  rateLimitPauseMs?: number;
  /** Fraction of the budget used right after a 429; it climbs back to 1 over `recoveryMs`. */
  backoffFactor?: number;
  recoveryMs?: number;
  /** Called whenever a 429 is reported, for health reporting. */
  onRateLimited?: (event: RateLimitedEvent) => void;
}

export interface RateLimitedEvent {
  atMs: number;
  pausedUntilMs: number;
  scale: number;
}

export interface WindowUsage {
  limit: number;
  windowMs: number;
  /** Weight counted against the window right now. */
  used: number;
}

export interface LimiterStats {
  inFlight: number;
  queued: number;
  windows: WindowUsage[];
  /** Requests sent during the last 60 s. */
  requestsLastMinute: number;
  rateLimitedCount: number;
  pausedUntilMs: number;
  /** Fraction of the nominal budget currently used (1 unless recovering from a 429). */
  scale: number;
  /** Round trip of the most recently finished request, ms (the limiter's clock); null before the first. */
  lastRequestMs: number | null;
}

/**
 * Queue order, first served first: `urgent` for reads a trader is waiting on (the book before an
 * order, a close or a panic), `high` for keeping the candle feed whole (gap repair, REST polling
 * while a socket is silent) and the marks of open positions, `normal` for everything else. On a
 * slow machine or a silent socket the polls alone can fill the budget; a trader's read must not
 * queue behind them.
 */
export const LimiterPriority = { urgent: 'urgent', high: 'high', normal: 'normal' } as const;
export type LimiterPriority = (typeof LimiterPriority)[keyof typeof LimiterPriority];

interface Task {
  weight: number;
  run: () => void;
  reject: (err: unknown) => void;
}

interface Finished {
  weight: number;
  /** When its response arrived. */
  finishedMs: number;
}

const MINUTE_MS = 60_000;

/**
 * Schedules weighted requests so that no sliding window is ever exceeded and no more than
 * `maxConcurrent` run at once. FIFO within a priority; `high` (gap repair, live polling) goes
 * ahead of `normal` (backfill). After a 429 it pauses and then ramps its budget back up.
 *
 * @example
 * const limiter = new WeightedLimiter({ windows: BLOFIN_LIMITS.windows, maxConcurrent: 8, clock });
 * const candles = await limiter.schedule(1, () => exchange.fetchOHLCV('BTC/USDT:USDT', '1m'));
 */
export class WeightedLimiter {
  private readonly windows: readonly RateWindow[];
  /** The longest time a finished request stays counted in any window. */
  private readonly maxSpanMs: number;
  private readonly opts: Required<Omit<WeightedLimiterOptions, 'onRateLimited' | 'logger'>>;
  private readonly logger: Logger;
  private readonly urgent: Task[] = [];
  private readonly high: Task[] = [];
  private readonly normal: Task[] = [];
  private finished: Finished[] = [];
  private sentMs: number[] = [];
  private inFlightCount = 0;
  private inFlightWeight = 0;
  private cancelTimer: (() => void) | undefined;
  private timerDueMs = Infinity;
  private pausedUntilMs = 0;
  private scaleAtHit = 1;
  private rateLimitedCount = 0;
  private lastRequestMs: number | null = null;

  constructor(private readonly options: WeightedLimiterOptions) {
    if (options.windows.length === 0) throw new RangeError('WeightedLimiter: at least one window is required');
    for (const w of options.windows) {
      if (!(w.limit > 0) || !(w.windowMs > 0)) {
        throw new RangeError(`WeightedLimiter: window needs limit > 0 and windowMs > 0, got ${JSON.stringify(w)}`);
      }
    }
    if (!(options.maxConcurrent >= 1)) {
      throw new RangeError(`WeightedLimiter: maxConcurrent must be >= 1, got ${String(options.maxConcurrent)}`);
    }
    this.windows = options.windows;
    this.logger = options.logger ?? silentLogger;
    this.opts = {
      windows: options.windows,
      maxConcurrent: options.maxConcurrent,
      clock: options.clock,
      safetyMarginMs: options.safetyMarginMs ?? 0,
      rateLimitPauseMs: options.rateLimitPauseMs ?? 1_000,
      backoffFactor: options.backoffFactor ?? 0.5,
      recoveryMs: options.recoveryMs ?? MINUTE_MS,
    };
    this.maxSpanMs = Math.max(...options.windows.map((w) => this.spanMs(w)));
  }

  /** How long a finished request stays counted in window `w`: the window plus the margin, at most 1 % of it. */
  private spanMs(w: RateWindow): number {
    return w.windowMs + Math.min(this.opts.safetyMarginMs, w.windowMs / 100);
  }

  /** Runs `fn` once the budget allows `weight`; resolves or rejects with its result. */
  schedule<T>(weight: number, fn: () => Promise<T>, priority: LimiterPriority = LimiterPriority.normal): Promise<T> {
    const minLimit = Math.min(...this.windows.map((w) => w.limit));
    if (!(weight > 0) || weight > minLimit) {
      return Promise.reject(new RangeError(`WeightedLimiter: weight must be in (0, ${minLimit}], got ${String(weight)}`));
    }
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        weight,
        reject,
        run: () => {
          const startedMs = this.opts.clock.nowMs();
          let pending: Promise<T>;
          try {
            pending = fn();
          } catch (err) {
            pending = Promise.reject(err);
          }
          pending.then(
            (value) => {
              this.finish(weight, startedMs);
              resolve(value);
            },
            (err: unknown) => {
              this.finish(weight, startedMs);
              reject(err);
            },
          );
        },
      };
      (priority === LimiterPriority.urgent ? this.urgent : priority === LimiterPriority.high ? this.high : this.normal).push(task);
      this.pump();
    });
  }

  /**
   * Reports a 429. Pauses every request for `retryAfterMs` (or the configured pause) and cuts the
   * budget by `backoffFactor`; the budget climbs back linearly over `recoveryMs`.
   */
  reportRateLimited(retryAfterMs?: number): void {
    const nowMs = this.opts.clock.nowMs();
    this.rateLimitedCount++;
    this.scaleAtHit = Math.max(0.05, this.scale(nowMs) * this.opts.backoffFactor);
    this.pausedUntilMs = Math.max(this.pausedUntilMs, nowMs + (retryAfterMs ?? this.opts.rateLimitPauseMs));
    const event: RateLimitedEvent = { atMs: nowMs, pausedUntilMs: this.pausedUntilMs, scale: this.scaleAtHit };
    this.logger.warn({ ...event }, 'rate limited: pausing and reducing request rate');
    this.options.onRateLimited?.(event);
    this.pump();
  }

  /** Rejects every queued request (running ones finish). Used on shutdown. */
  clear(reason: unknown): void {
    for (const task of [...this.urgent.splice(0), ...this.high.splice(0), ...this.normal.splice(0)]) task.reject(reason);
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerDueMs = Infinity;
  }

  stats(): LimiterStats {
    const nowMs = this.opts.clock.nowMs();
    this.prune(nowMs);
    return {
      inFlight: this.inFlightCount,
      queued: this.urgent.length + this.high.length + this.normal.length,
      windows: this.windows.map((w) => ({ limit: w.limit, windowMs: w.windowMs, used: this.used(w, nowMs) })),
      requestsLastMinute: this.sentMs.filter((t) => t > nowMs - MINUTE_MS).length,
      rateLimitedCount: this.rateLimitedCount,
      pausedUntilMs: this.pausedUntilMs,
      scale: this.scale(nowMs),
      lastRequestMs: this.lastRequestMs,
    };
  }

  private scale(nowMs: number): number {
    if (this.scaleAtHit >= 1) return 1;
    if (nowMs <= this.pausedUntilMs) return this.scaleAtHit;
    const progress = (nowMs - this.pausedUntilMs) / this.opts.recoveryMs;
    if (progress >= 1) {
      this.scaleAtHit = 1;
      return 1;
    }
    return this.scaleAtHit + (1 - this.scaleAtHit) * progress;
  }

  private finish(weight: number, startedMs: number): void {
    const nowMs = this.opts.clock.nowMs();
    this.lastRequestMs = nowMs - startedMs;
    this.inFlightCount--;
    this.inFlightWeight -= weight;
    this.finished.push({ weight, finishedMs: nowMs });
    this.pump();
  }

  private used(w: RateWindow, nowMs: number): number {
    let used = this.inFlightWeight;
    for (const f of this.finished) if (f.finishedMs + this.spanMs(w) > nowMs) used += f.weight;
    return used;
  }

  private prune(nowMs: number): void {
    let drop = 0;
    while (drop < this.finished.length && this.finished[drop]!.finishedMs + this.maxSpanMs <= nowMs) drop++;
    if (drop > 0) this.finished = this.finished.slice(drop);
    let sentDrop = 0;
    while (sentDrop < this.sentMs.length && this.sentMs[sentDrop]! <= nowMs - MINUTE_MS) sentDrop++;
    if (sentDrop > 0) this.sentMs = this.sentMs.slice(sentDrop);
  }

  /** 0 when `weight` fits now, the delay until it fits, or Infinity until a request finishes. */
  private waitMs(weight: number, nowMs: number): number {
    const scale = this.scale(nowMs);
    let wait = 0;
    for (const w of this.windows) {
      const limit = Math.max(1, Math.floor(w.limit * scale));
      const used = this.used(w, nowMs);
      if (used === 0 || used + weight <= limit) continue;
      const excess = used + weight - limit;
      let freed = 0;
      let fitsAfter = Infinity;
      // `finished` is in completion order, which is release order.
      for (const f of this.finished) {
        const releaseMs = f.finishedMs + this.spanMs(w);
        if (releaseMs <= nowMs) continue;
        freed += f.weight;
        if (freed >= excess) {
          fitsAfter = releaseMs - nowMs;
          break;
        }
      }
      wait = Math.max(wait, fitsAfter);
    }
    // A recovering budget grows with time: look again soon rather than wait for a full release.
    if (wait > 0 && scale < 1) wait = Math.min(wait, Math.max(1, Math.ceil(this.opts.recoveryMs / 20)));
    return wait;
  }

  private pump(): void {
    for (;;) {
      const queue = this.urgent.length > 0 ? this.urgent : this.high.length > 0 ? this.high : this.normal;
      const head = queue[0];
      if (!head) return;
      const nowMs = this.opts.clock.nowMs();
      if (nowMs < this.pausedUntilMs) {
        this.arm(this.pausedUntilMs - nowMs);
        return;
      }
      if (this.inFlightCount >= this.opts.maxConcurrent) return;
      this.prune(nowMs);
      const wait = this.waitMs(head.weight, nowMs);
      if (wait === Infinity) return;
      if (wait > 0) {
        this.arm(wait);
        return;
      }
      queue.shift();
      this.inFlightCount++;
      this.inFlightWeight += head.weight;
      this.sentMs.push(nowMs);
      head.run();
    }
  }

  private arm(delayMs: number): void {
    const dueMs = this.opts.clock.nowMs() + delayMs;
    if (this.cancelTimer && this.timerDueMs <= dueMs) return;
    this.cancelTimer?.();
    this.timerDueMs = dueMs;
    this.cancelTimer = this.opts.clock.setTimer(delayMs, () => {
      this.cancelTimer = undefined;
      this.timerDueMs = Infinity;
      this.pump();
    });
  }
}
