import { describe, expect, it } from 'vitest';
import { BLOFIN_REST_WINDOWS, SlidingWindowLimiter } from '../../src/sim/index.js';

describe('SlidingWindowLimiter', () => {
  it("enforces BloFin's 500/min and 1,500/5 min on sliding windows", () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(BLOFIN_REST_WINDOWS, 1, () => now);
    let admitted = 0;
    for (let i = 0; i < 600; i++) if (limiter.tryAcquire()) admitted++;
    expect(admitted, 'at most 500 in the first minute').toBe(500);
    now = 59_999;
    expect(limiter.tryAcquire(), 'still inside the same 60 s window').toBe(false);
    now = 60_001;
    expect(limiter.tryAcquire(), 'the first minute aged out').toBe(true);
    // Fill minutes two and three; the 5-minute window then caps at 1,500.
    let more = 1;
    for (const t of [60_002, 120_002, 180_002]) {
      now = t;
      for (let i = 0; i < 600; i++) if (limiter.tryAcquire()) more++;
    }
    expect(admitted + more, '1,500 per 5 minutes binds before 4 x 500').toBe(1_500);
    now = 300_001;
    expect(limiter.tryAcquire(), 'first batch left the 5-minute window').toBe(true);
  });

  it('scales every allowance', () => {
    const now = 0;
    const limiter = new SlidingWindowLimiter(BLOFIN_REST_WINDOWS, 4, () => now);
    let admitted = 0;
    for (let i = 0; i < 3_000; i++) if (limiter.tryAcquire()) admitted++;
    expect(admitted, '4 x 500 per minute').toBe(2_000);
  });

  it('rejects a bad scale with the field name', () => {
    expect(() => new SlidingWindowLimiter(BLOFIN_REST_WINDOWS, 0, () => 0)).toThrow(/rateLimitScale: got 0/);
  });
});
