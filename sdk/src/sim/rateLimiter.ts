/** One sliding window: at most `limit` admissions in any `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** BloFin's documented REST limits per IP: 500 per minute and 1,500 per five minutes. */
export const BLOFIN_REST_WINDOWS: readonly RateWindow[] = [
  { limit: 500, windowMs: 60_000 },
  { limit: 1_500, windowMs: 300_000 },
];

/** BloFin's trading limit per user: 30 order placements or cancels every 10 seconds. */
export const BLOFIN_TRADE_WINDOWS: readonly RateWindow[] = [{ limit: 30, windowMs: 10_000 }];

/**
 * Sliding-window admission over several windows at once. Only admitted requests count, so a
 * client that backs off after a 429 regains capacity as its old requests age out.
 */
export class SlidingWindowLimiter {
  private readonly windows: RateWindow[];
  private stamps: number[] = [];
  private head = 0;

  /**
   * @param windows limits that must all hold
   * @param scale multiplies every limit (benchmarks run with scaled allowances)
   * @param now time source in ms (wall time: limits are about real request rates)
   */
  constructor(windows: readonly RateWindow[], scale: number, private readonly now: () => number) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`rateLimitScale: got ${scale}, expected a positive finite number`);
    this.windows = windows.map((w) => ({ limit: Math.max(1, Math.floor(w.limit * scale)), windowMs: w.windowMs }));
  }

  /** Admits and records one request, or returns false when any window is full. */
  tryAcquire(): boolean {
    return this.admit() === null;
  }

  /**
   * Admits and records one request (null), or returns the window that is full (the longest one
   * when several are, since its penalty is the heaviest). Limits are as scaled.
   */
  admit(): RateWindow | null {
    const t = this.now();
    let full: RateWindow | null = null;
    for (const w of this.windows) {
      if (this.countSince(t - w.windowMs) >= w.limit && (full === null || w.windowMs > full.windowMs)) full = w;
    }
    if (full) return { ...full };
    this.stamps.push(t);
    this.compact(t);
    return null;
  }

  private countSince(fromMs: number): number {
    let lo = this.head;
    let hi = this.stamps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.stamps[mid]! <= fromMs) lo = mid + 1;
      else hi = mid;
    }
    return this.stamps.length - lo;
  }

  private compact(t: number): void {
    const longest = Math.max(...this.windows.map((w) => w.windowMs));
    while (this.head < this.stamps.length && this.stamps[this.head]! <= t - longest) this.head++;
    if (this.head > 4096 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }
}

/** Binance USD-M's documented IP budget: 2,400 request weight per minute. */
export const BINANCE_USDM_WEIGHT_PER_MINUTE = 2_400;

/** Binance USD-M's order-rate limit per account: 1,200 orders per minute (placements only). */
export const BINANCE_USDM_ORDERS_PER_MINUTE = 1_200;

/** The outcome of charging a request to a {@link MinuteWeightBudget}. */
export interface WeightCharge {
  admitted: boolean;
  /** Weight used in the current minute after this charge (what `X-MBX-USED-WEIGHT-1M` reports). */
  usedWeight: number;
  /** Whole seconds until the minute rolls over (what `Retry-After` says on a refusal). */
  retryAfterSec: number;
}

/**
 * Binance-style request weight: each request costs its endpoint's weight, counted in fixed
 * one-minute windows aligned to the clock's minute (the window `X-MBX-USED-WEIGHT-1M` reports).
 * A request that would exceed the budget is refused and not counted, so usage never passes it.
 */
export class MinuteWeightBudget {
  private readonly limit: number;
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private used = 0;

  /**
   * @param limit weight per minute before scaling
   * @param scale multiplies the limit (benchmarks run with scaled allowances)
   * @param now time source in ms (wall time: limits are about real request rates)
   */
  constructor(limit: number, scale: number, private readonly now: () => number) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`rateLimitScale: got ${scale}, expected a positive finite number`);
    this.limit = Math.max(1, Math.floor(limit * scale));
  }

  /** The scaled budget per minute. */
  get limitPerMinute(): number {
    return this.limit;
  }

  /** Charges `weight` (>= 0) to the current minute, unless it would exceed the budget. */
  charge(weight: number): WeightCharge {
    const t = this.now();
    const start = Math.floor(t / 60_000) * 60_000;
    if (start !== this.windowStartMs) {
      this.windowStartMs = start;
      this.used = 0;
    }
    const retryAfterSec = Math.max(1, Math.ceil((start + 60_000 - t) / 1_000));
    if (this.used + weight > this.limit) return { admitted: false, usedWeight: this.used, retryAfterSec };
    this.used += weight;
    return { admitted: true, usedWeight: this.used, retryAfterSec };
  }
}
