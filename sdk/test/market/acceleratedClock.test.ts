import { afterEach, describe, expect, it, vi } from 'vitest';
import { acceleratedClock } from '../../src/market/acceleratedClock.js';

describe('acceleratedClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the source time and waits delay / acceleration of wall time', () => {
    vi.useFakeTimers();
    let simMs = 1_000;
    const clock = acceleratedClock(() => simMs, 1_000);
    expect(clock.nowMs()).toBe(1_000);
    simMs = 5_000;
    expect(clock.nowMs(), 'time comes from the source').toBe(5_000);
    let fired = 0;
    clock.setTimer(20_000, () => fired++);
    vi.advanceTimersByTime(19);
    expect(fired, '20 s at 1000x is 20 ms of wall time, not 19').toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    const cancel = clock.setTimer(10_000, () => fired++);
    cancel();
    vi.advanceTimersByTime(100);
    expect(fired, 'a cancelled timer never fires').toBe(1);
  });

  it('refuses a bad acceleration', () => {
    expect(() => acceleratedClock(() => 0, 0)).toThrow(/acceleration must be a positive finite number, got 0/);
  });
});
