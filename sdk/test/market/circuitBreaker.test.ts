import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { CircuitOpenError, ExchangeRejectedError, TemporaryError } from '../../src/core/errors.js';
import { BreakerState, CircuitBreaker } from '../../src/market/circuitBreaker.js';
import { backoffCeilingMs, fullJitterBackoffMs } from '../../src/market/backoff.js';

const fail5xx = () => Promise.reject(new TemporaryError(ErrorCode.ExchangeUnavailable, '502'));

describe('CircuitBreaker', () => {
  it('opens after the threshold, half-opens after the cool-down, closes on a probe success', async () => {
    const clock = new SimulatedClock(0);
    const changes: string[] = [];
    const breaker = new CircuitBreaker({ name: 'x', clock, failureThreshold: 3, coolDownMs: 10_000, onStateChange: (c) => changes.push(`${c.from}>${c.to}`) });
    for (let i = 0; i < 2; i++) await expect(breaker.execute(fail5xx)).rejects.toThrow('502');
    expect(breaker.state(), 'two failures stay below the threshold').toBe(BreakerState.closed);
    await expect(breaker.execute(fail5xx)).rejects.toThrow('502');
    expect(breaker.state()).toBe(BreakerState.open);
    let called = false;
    await expect(breaker.execute(async () => (called = true)), 'open breaker short-circuits').rejects.toBeInstanceOf(CircuitOpenError);
    expect(called, 'the call is not made while open').toBe(false);
    expect(breaker.snapshot().retryAtMs).toBe(10_000);
    await clock.advance(10_000);
    expect(breaker.state()).toBe(BreakerState.halfOpen);
    await expect(breaker.execute(async () => 'ok')).resolves.toBe('ok');
    expect(breaker.state()).toBe(BreakerState.closed);
    expect(changes).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
  });

  it('re-opens when the probe fails and allows only one probe at a time', async () => {
    const clock = new SimulatedClock(0);
    const breaker = new CircuitBreaker({ name: 'x', clock, failureThreshold: 1, coolDownMs: 1_000 });
    await expect(breaker.execute(fail5xx)).rejects.toThrow();
    await clock.advance(1_000);
    let release!: () => void;
    const probe = breaker.execute(() => new Promise<void>((r) => (release = r)));
    await expect(breaker.execute(async () => 1), 'a second probe is refused').rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await probe;
    expect(breaker.state()).toBe(BreakerState.closed);
    await expect(breaker.execute(fail5xx)).rejects.toThrow();
    await clock.advance(1_000);
    await expect(breaker.execute(fail5xx)).rejects.toThrow();
    expect(breaker.state(), 'a failed probe re-opens').toBe(BreakerState.open);
    expect(breaker.snapshot().openedCount).toBe(3);
  });

  it('does not count caller errors', async () => {
    const clock = new SimulatedClock(0);
    const breaker = new CircuitBreaker({ name: 'x', clock, failureThreshold: 1 });
    await expect(breaker.execute(() => Promise.reject(new ExchangeRejectedError(ErrorCode.BadSymbol, 'bad')))).rejects.toThrow('bad');
    expect(breaker.state(), 'a bad symbol says nothing about exchange health').toBe(BreakerState.closed);
  });
});

describe('full-jitter backoff', () => {
  it('stays within [0, min(max, base x 2^attempt)]', () => {
    const opts = { baseMs: 100, maxMs: 5_000 };
    expect([0, 1, 2, 3, 10].map((a) => backoffCeilingMs(a, opts))).toEqual([100, 200, 400, 800, 5_000]);
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let attempt = 0; attempt < 12; attempt++) {
      for (let i = 0; i < 200; i++) {
        const ms = fullJitterBackoffMs(attempt, opts, random);
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(backoffCeilingMs(attempt, opts));
      }
    }
    expect(fullJitterBackoffMs(3, opts, () => 1), 'the top of the range is the ceiling').toBe(800);
    expect(fullJitterBackoffMs(3, opts, () => 0)).toBe(0);
  });
});
