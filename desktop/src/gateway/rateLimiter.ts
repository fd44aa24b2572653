import type { Clock } from '@perpscope/sdk';

/** Past this many tracked sources, full (idle) buckets are dropped so memory stays bounded. */
const MAX_SOURCES = 10_000;

export interface RateLimiter {
  /** Takes one token for `source`; false when its bucket is empty. */
  take(source: string): boolean;
  /** Ms until `source` has a token again (0 when it has one). */
  retryAfterMs(source: string): number;
}

/**
 * A token bucket per source: `perMinute` tokens of capacity, refilled continuously at `perMinute`
 * per 60 s of the injected clock, so a burst of a full minute's allowance is let through at once.
 */
export function createRateLimiter(perMinute: number, clock: Pick<Clock, 'nowMs'>): RateLimiter {
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const refill = (source: string) => {
    const now = clock.nowMs();
    const b = buckets.get(source) ?? { tokens: perMinute, atMs: now };
    b.tokens = Math.min(perMinute, b.tokens + Math.max(0, now - b.atMs) * perMs);
    b.atMs = now;
    if (!buckets.has(source)) {
      if (buckets.size >= MAX_SOURCES) for (const [k, v] of buckets) if (v.tokens + (now - v.atMs) * perMs >= perMinute) buckets.delete(k);
      buckets.set(source, b);
    }
    return b;
  };
  return {
    take(source) {
      const b = refill(source);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    retryAfterMs(source) {
      const b = refill(source);
      return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / perMs);
    },
  };
}
