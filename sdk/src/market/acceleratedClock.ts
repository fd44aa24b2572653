import type { Clock } from '../core/clock.js';

/**
 * A Clock that reads time from a source running `acceleration` times faster than the wall
 * (SimExchange with `acceleration`), so bar boundaries and staleness thresholds line up with the
 * exchange's timestamps. Timers wait `delayMs / acceleration` wall milliseconds.
 *
 * Give the REST limiter a wall clock instead: exchanges (and SimExchange) count requests in
 * wall time.
 *
 * @example
 * const clock = acceleratedClock(() => sim.nowMs(), 60);
 */
export function acceleratedClock(nowMs: () => number, acceleration: number): Clock {
  if (!(acceleration > 0) || !Number.isFinite(acceleration)) {
    throw new RangeError(`acceleratedClock: acceleration must be a positive finite number, got ${String(acceleration)}`);
  }
  const setTimer = (delayMs: number, fn: () => void): (() => void) => {
    const handle = setTimeout(fn, Math.max(0, delayMs) / acceleration);
    return () => clearTimeout(handle);
  };
  return {
    nowMs,
    setTimer,
    sleep: (delayMs) => new Promise<void>((resolve) => void setTimer(delayMs, resolve)),
  };
}
