import { describe, expect, it } from 'vitest';
import { SimulatedClock, SystemClock } from '../../src/core/clock.js';

describe('SimulatedClock', () => {
  it('moves only when advanced and fires timers in due order', async () => {
    const clock = new SimulatedClock(1_000);
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push(`b@${clock.nowMs()}`));
    clock.setTimer(100, () => fired.push(`a@${clock.nowMs()}`));
    clock.setTimer(300, () => fired.push(`c@${clock.nowMs()}`));
    expect(clock.nowMs()).toBe(1_000);
    await clock.advance(200);
    expect(fired, 'only the timer due within 200 ms fired').toEqual(['a@1100']);
    await clock.advance(1_000);
    expect(fired, 'equal due times fire in creation order').toEqual(['a@1100', 'b@1300', 'c@1300']);
    expect(clock.nowMs()).toBe(2_200);
  });

  it('resolves sleeps and lets resumed code schedule further timers within one advance', async () => { // SimulatedClock sleeps: virtual time
    const clock = new SimulatedClock(0);
    const ticks: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(1_000); // simulated clock: virtual time, advanced by the test
        ticks.push(clock.nowMs());
      }
    })();
    await clock.advance(3_000);
    await loop;
    expect(ticks).toEqual([1_000, 2_000, 3_000]);
  });

  it('cancels timers and never moves backwards', async () => {
    const clock = new SimulatedClock(500);
    let fired = false;
    const cancel = clock.setTimer(10, () => (fired = true));
    cancel();
    await clock.advanceTo(100);
    expect(clock.nowMs(), 'advanceTo an earlier time is a no-op').toBe(500);
    await clock.advance(100);
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('SystemClock', () => {
  it('reads wall time', () => {
    const before = Date.now();
    const now = new SystemClock().nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
  });
});
