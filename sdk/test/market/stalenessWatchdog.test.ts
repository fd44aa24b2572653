import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.js';
import { FeedState, StalenessWatchdog } from '../../src/market/stalenessWatchdog.js';

describe('StalenessWatchdog', () => {
  it('flags a feed silent for longer than its threshold once, and recovers on data', async () => {
    const clock = new SimulatedClock(0);
    const events: string[] = [];
    const dog = new StalenessWatchdog({
      clock,
      checkIntervalMs: 1_000,
      onStale: (key, silentMs) => events.push(`stale ${key} ${silentMs}`),
      onRecovered: (key) => events.push(`recovered ${key}`),
    });
    dog.watch('a', 120_000);
    dog.watch('b', 120_000);
    dog.start();
    for (let t = 0; t < 200; t++) {
      await clock.advance(1_000);
      dog.touch('b');
    }
    expect(events, 'a goes stale within one check of 2 intervals; b keeps getting data').toEqual(['stale a 121000']);
    expect(dog.state('a')).toBe(FeedState.stale);
    expect(dog.staleKeys()).toEqual(['a']);
    dog.touch('a');
    expect(events[1]).toBe('recovered a');
    expect(dog.state('a')).toBe(FeedState.live);
    dog.stop();
    expect(clock.pendingTimers(), 'stop cancels the check timer').toBe(0);
  });
});
