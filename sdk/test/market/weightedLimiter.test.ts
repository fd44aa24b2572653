import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.js';
import { BINANCE_USDM_LIMITS, BLOFIN_LIMITS, rateLimitFloorMs, type RateWindow } from '../../src/market/exchangeLimits.js';
import { LimiterPriority, WeightedLimiter } from '../../src/market/weightedLimiter.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Advances in `stepMs` steps until `done()` or `maxMs` of simulated time. */
async function runUntil(clock: SimulatedClock, done: () => boolean, stepMs: number, maxMs: number): Promise<void> {
  const endMs = clock.nowMs() + maxMs;
  await flush();
  while (!done() && clock.nowMs() < endMs) {
    await clock.advance(stepMs);
    await flush();
  }
}

/** Largest weight sent within any [t, t + windowMs) span, given (sentMs, weight) pairs. */
function maxWindowWeight(sends: readonly { atMs: number; weight: number }[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  let sum = 0;
  for (let hi = 0; hi < sends.length; hi++) {
    sum += sends[hi]!.weight;
    while (sends[lo]!.atMs <= sends[hi]!.atMs - windowMs) sum -= sends[lo++]!.weight;
    best = Math.max(best, sum);
  }
  return best;
}

describe('WeightedLimiter', () => {
  it('never exceeds any of BloFin\'s windows and reaches the greedy floor', async () => {
    const clock = new SimulatedClock(0);
    const limiter = new WeightedLimiter({ windows: BLOFIN_LIMITS.windows, maxConcurrent: 8, clock });
    const sends: { atMs: number; weight: number }[] = [];
    let finished = 0;
    const count = 2_000;
    for (let i = 0; i < count; i++) {
      void limiter.schedule(1, async () => {
        sends.push({ atMs: clock.nowMs(), weight: 1 });
        finished++;
      });
    }
    await runUntil(clock, () => finished === count, 250, 3_600_000);
    expect(finished, 'every request eventually runs').toBe(count);
    for (const w of BLOFIN_LIMITS.windows) {
      expect(maxWindowWeight(sends, w.windowMs), `at most ${w.limit} per ${w.windowMs} ms`).toBeLessThanOrEqual(w.limit);
    }
    const lastMs = sends[sends.length - 1]!.atMs;
    const floorMs = rateLimitFloorMs(BLOFIN_LIMITS.windows, count);
    expect(floorMs, 'the 5-minute window binds for 2,000 requests').toBe(300_000);
    expect(lastMs - floorMs, 'the schedule is within one clock step of the floor').toBeLessThanOrEqual(250);
  });

  it('caps the safety margin at 1 % of each window: a one-second window (HTX) frees a slot 10 ms after it, not 50', async () => {
    const clock = new SimulatedClock(0);
    const windows: RateWindow[] = [
      { limit: 1, windowMs: 1_000 },
      { limit: 3, windowMs: 60_000 },
    ];
    const limiter = new WeightedLimiter({ windows, maxConcurrent: 1, clock, safetyMarginMs: 50 });
    const sends: number[] = [];
    for (let i = 0; i < 3; i++) void limiter.schedule(1, async () => void sends.push(clock.nowMs()));
    await runUntil(clock, () => sends.length === 3, 1, 10_000);
    expect(sends, 'each request a second and 10 ms after the previous one finished').toEqual([0, 1_010, 2_020]);
    const minute: number[] = [];
    void limiter.schedule(1, async () => void minute.push(clock.nowMs()));
    await runUntil(clock, () => minute.length === 1, 10, 120_000);
    expect(minute, 'the minute window keeps the full 50 ms margin (0.08 % of it)').toEqual([60_050]);
  });

  it('respects weights (Binance klines weigh by limit)', async () => {
    const clock = new SimulatedClock(0);
    const windows: RateWindow[] = [{ limit: 2_400, windowMs: 60_000 }];
    const limiter = new WeightedLimiter({ windows, maxConcurrent: 20, clock });
    const sends: { atMs: number; weight: number }[] = [];
    const limits = [50, 200, 500, 1_500];
    let finished = 0;
    for (let i = 0; i < 1_200; i++) {
      const weight = BINANCE_USDM_LIMITS.weight('fetchOHLCV', limits[i % limits.length]);
      void limiter.schedule(weight, async () => {
        sends.push({ atMs: clock.nowMs(), weight });
        finished++;
      });
    }
    await runUntil(clock, () => finished === 1_200, 500, 3_600_000);
    expect(finished).toBe(1_200);
    expect(BINANCE_USDM_LIMITS.weight('fetchOHLCV', 99), 'limit <= 99 weighs 1').toBe(1);
    expect(BINANCE_USDM_LIMITS.weight('fetchOHLCV', 1_500), 'limit > 1000 weighs 10').toBe(10);
    expect(maxWindowWeight(sends, 60_000), 'total weight per minute stays within 2,400').toBeLessThanOrEqual(2_400);
    const totalWeight = sends.reduce((s, x) => s + x.weight, 0);
    expect(sends[sends.length - 1]!.atMs, 'weight, not request count, sets the pace').toBeGreaterThanOrEqual(Math.floor(totalWeight / 2_400 - 1) * 60_000);
  });

  it('caps concurrency', async () => {
    const clock = new SimulatedClock(0);
    const limiter = new WeightedLimiter({ windows: [{ limit: 1_000, windowMs: 1_000 }], maxConcurrent: 3, clock });
    let inFlight = 0;
    let peak = 0;
    const all = Array.from({ length: 12 }, () =>
      limiter.schedule(1, async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await clock.sleep(100); // simulated clock: virtual time, advanced by the test
        inFlight--;
      }),
    );
    let done = 0;
    for (const p of all) void p.then(() => done++);
    await runUntil(clock, () => done === 12, 50, 10_000);
    expect(done).toBe(12);
    expect(peak, 'never more than maxConcurrent in flight').toBe(3);
  });

  it('counts a slot from the response, not the send, so slow responses cannot overlap windows', async () => {
    const clock = new SimulatedClock(0);
    const limiter = new WeightedLimiter({ windows: [{ limit: 2, windowMs: 1_000 }], maxConcurrent: 10, clock });
    const sentAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      void limiter.schedule(1, async () => {
        sentAt.push(clock.nowMs());
        await clock.sleep(400); // simulated clock: virtual time, advanced by the test
      });
    }
    await runUntil(clock, () => sentAt.length === 3, 10, 5_000);
    expect(sentAt, 'third request waits for 1 s after the first response').toEqual([0, 0, 1_400]);
  });

  it('reports the round trip of the latest finished request, failed ones included', async () => {
    const clock = new SimulatedClock(0);
    const limiter = new WeightedLimiter({ windows: [{ limit: 10, windowMs: 1_000 }], maxConcurrent: 10, clock });
    expect(limiter.stats().lastRequestMs, 'nothing sent yet').toBeNull();
    let done = 0;
    void limiter.schedule(1, async () => {
      await clock.sleep(250); // a 250 ms round trip in simulated time: runUntil advances the clock, no wall time passes
    }).then(() => done++);
    await runUntil(clock, () => done === 1, 10, 5_000);
    expect(limiter.stats().lastRequestMs).toBe(250);
    void limiter
      .schedule(1, async () => {
        await clock.sleep(40); // a 40 ms round trip in simulated time, then a failure: runUntil advances the clock
        throw new Error('timeout');
      })
      .catch(() => done++);
    await runUntil(clock, () => done === 2, 10, 5_000);
    expect(limiter.stats().lastRequestMs, 'an error answer took time too').toBe(40);
  });

  it('pauses and slows down after a 429, then recovers', async () => {
    const clock = new SimulatedClock(0);
    const events: number[] = [];
    const limiter = new WeightedLimiter({
      windows: [{ limit: 100, windowMs: 1_000 }],
      maxConcurrent: 100,
      clock,
      rateLimitPauseMs: 2_000,
      backoffFactor: 0.5,
      recoveryMs: 10_000,
      onRateLimited: (e) => events.push(e.pausedUntilMs),
    });
    limiter.reportRateLimited();
    expect(events, 'the 429 is reported with the pause end').toEqual([2_000]);
    const sentAt: number[] = [];
    for (let i = 0; i < 120; i++) void limiter.schedule(1, async () => void sentAt.push(clock.nowMs()));
    await runUntil(clock, () => sentAt.length === 120, 100, 60_000);
    expect(Math.min(...sentAt), 'nothing is sent during the pause').toBeGreaterThanOrEqual(2_000);
    // Budget in the first second after the pause: 100 x (0.5 + 0.5 x 1 s / 10 s) at most.
    expect(sentAt.filter((t) => t < 3_000).length, 'right after the pause about half the budget is used').toBeLessThanOrEqual(55);
    expect(sentAt.filter((t) => t < 3_000).length, 'the reduced budget is still used').toBeGreaterThanOrEqual(50);
    const stats = limiter.stats();
    expect(stats.rateLimitedCount).toBe(1);
    await clock.advance(20_000);
    expect(limiter.stats().scale, 'the budget recovers fully').toBe(1);
  });

  it('rejects impossible weights with a clear error', async () => {
    const limiter = new WeightedLimiter({ windows: [{ limit: 10, windowMs: 1_000 }], maxConcurrent: 1, clock: new SimulatedClock(0) });
    await expect(limiter.schedule(11, async () => 1)).rejects.toThrow(/weight must be in \(0, 10\], got 11/);
  });

  it('serves an urgent read before every queued poll and background read, however many are waiting', async () => {
    const clock = new SimulatedClock(0);
    // One slot: the order of service is the order of the queues, not of arrival.
    const limiter = new WeightedLimiter({ windows: [{ limit: 1_000, windowMs: 1_000 }], maxConcurrent: 1, clock });
    const served: string[] = [];
    let release!: () => void;
    const blocker = limiter.schedule(1, () => new Promise<void>((r) => (release = r)));
    const all: Promise<unknown>[] = [blocker];
    for (let i = 0; i < 50; i++) all.push(limiter.schedule(1, async () => void served.push(`normal${i}`)));
    for (let i = 0; i < 50; i++) all.push(limiter.schedule(1, async () => void served.push(`poll${i}`), LimiterPriority.high));
    all.push(limiter.schedule(1, async () => void served.push('trader'), LimiterPriority.urgent));
    expect(limiter.stats().queued, 'everything but the blocker waits').toBe(101);
    release();
    await Promise.all(all);
    expect(served[0], 'the trader is served first').toBe('trader');
    expect(served.slice(1, 51).every((s) => s.startsWith('poll')), 'then the polls').toBe(true);
    expect(served.slice(51).every((s) => s.startsWith('normal')), 'then the background reads').toBe(true);
  });
});

describe('rateLimitFloorMs', () => {
  it('is zero within the first window and steps by window length beyond it', () => {
    const windows = BLOFIN_LIMITS.windows;
    expect(rateLimitFloorMs(windows, 500)).toBe(0);
    expect(rateLimitFloorMs(windows, 501)).toBe(60_000);
    expect(rateLimitFloorMs(windows, 1_500)).toBe(120_000);
    expect(rateLimitFloorMs(windows, 1_501), 'the 5-minute window binds after 1,500').toBe(300_000);
  });
});
