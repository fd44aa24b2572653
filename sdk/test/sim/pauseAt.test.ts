import { afterEach, describe, expect, it } from 'vitest';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

const MINUTE = 60_000;
const ACCELERATION = 100_000;

let sim: SimExchange | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('SimExchange.pauseAt', () => {
  it('runs sim time up to the instant, holds it there for every reader, and resumes from exactly there', async () => {
    sim = await startSimExchange({ symbols: 2, seed: 5, startTimeMs: SIM_START_MS, acceleration: ACCELERATION });
    const s = sim;
    // Armed while paused, so the hold lies ahead however long the start took.
    s.pause();
    const holdMs = s.nowMs() + 30 * MINUTE;
    s.pauseAt(holdMs);
    s.resume();
    await until('the sim to reach the hold', () => (s.nowMs() >= holdMs ? s.nowMs() : null));
    expect(s.nowMs(), 'held exactly at the instant, not past it').toBe(holdMs);
    // A round trip over HTTP takes wall time; the sim's clock does not move meanwhile.
    const ex = createBlofinClient(s, { enableRateLimit: false, timeout: 5_000 });
    try {
      const book = await ex.fetchOrderBook('BTC/USDT:USDT', 5);
      expect(book.timestamp, 'the server answers at the held time').toBe(holdMs);
    } finally {
      await ex.close();
    }
    expect(s.nowMs()).toBe(holdMs);

    const wallAtResume = Date.now();
    s.resume();
    const after = s.nowMs();
    const wallAfter = Date.now();
    expect(after, 'time goes on from the hold').toBeGreaterThanOrEqual(holdMs);
    expect(after - holdMs, 'the wall time spent held never reaches the sim clock').toBeLessThanOrEqual((wallAfter - wallAtResume + 1) * ACCELERATION);
    await until('time to move past the hold', () => (s.nowMs() > holdMs ? true : null));
  });

  it('arms a later hold while paused, and pauses at once (never backwards) for an instant already passed', async () => {
    sim = await startSimExchange({ symbols: 2, seed: 5, startTimeMs: SIM_START_MS, acceleration: ACCELERATION });
    const s = sim;
    s.pause();
    const first = s.nowMs() + 10 * MINUTE;
    s.pauseAt(first);
    s.resume();
    await until('the first hold', () => (s.nowMs() === first ? true : null));
    const second = first + 20 * MINUTE;
    s.pauseAt(second);
    expect(s.nowMs(), 'still held at the first instant until resumed').toBe(first);
    s.resume();
    await until('the second hold', () => (s.nowMs() >= second ? s.nowMs() : null));
    expect(s.nowMs()).toBe(second);

    s.resume();
    await until('time to move past the second hold', () => (s.nowMs() > second ? true : null));
    const before = s.nowMs();
    s.pauseAt(SIM_START_MS);
    const paused = s.nowMs();
    expect(paused, 'a past instant pauses where the sim is').toBeGreaterThanOrEqual(before);
    expect(s.nowMs(), 'and it stays there').toBe(paused);
    expect(() => s.pauseAt(Number.NaN)).toThrow(/pauseAt: got NaN, expected a finite sim time/);
  });
});
