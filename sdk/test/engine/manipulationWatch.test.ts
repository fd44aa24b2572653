import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createEngine } from '../../src/engine/createEngine.js';
import type { EngineAlert } from '../../src/engine/engineEvents.js';
import { ManipulationWatch } from '../../src/engine/manipulationWatch.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

const row = (symbol: string, manipScore: number, flags: string[] = []) => ({ symbol, manipScore, flags: flags.map((name) => ({ name })) });

describe('ManipulationWatch', () => {
  it('alerts once when a watched symbol reaches the threshold, and again only after falling 10 points below', () => {
    const watch = new ManipulationWatch(90);
    const watched = new Set(['A']);
    const first = watch.evaluate([row('A', 93, ['scam_wick']), row('B', 99)], watched, 1);
    expect(first.map((a) => [a.kind, a.level, a.details?.symbol])).toEqual([['manipulation', 'warn', 'A']]);
    expect(first[0]!.message).toBe('A: manipulation score 93 of 100 (a radar heuristic, not a probability), flags scam_wick');
    expect(watch.evaluate([row('A', 95)], watched, 2), 'still high: no repeat').toEqual([]);
    expect(watch.evaluate([row('A', 85)], watched, 3), 'within 10 points: not re-armed').toEqual([]);
    expect(watch.evaluate([row('A', 91)], watched, 4), 'back up without re-arming: no repeat').toEqual([]);
    expect(watch.evaluate([row('A', 79)], watched, 5)).toEqual([]);
    expect(watch.evaluate([row('A', 90)], watched, 6).map((a) => a.atMs), 're-armed below 80, alerts again').toEqual([6]);
  });

  it('ignores unwatched symbols, forgets a symbol that is no longer watched, and is off at null', () => {
    const watch = new ManipulationWatch(90);
    expect(watch.evaluate([row('A', 95)], new Set(), 1)).toEqual([]);
    expect(watch.evaluate([row('A', 95)], new Set(['A']), 2)).toHaveLength(1);
    expect(watch.evaluate([row('A', 95)], new Set(), 3)).toEqual([]);
    expect(watch.evaluate([row('A', 95)], new Set(['A']), 4), 'watched again: a fresh alert').toHaveLength(1);
    expect(new ManipulationWatch(null).evaluate([row('A', 100)], new Set(['A']), 1)).toEqual([]);
  });
});

describe('engine manipulation alerts', () => {
  it('a ranking cycle raises alerts for the watched symbols only, over SimExchange through ccxt', async () => {
    // Threshold 0: every watched symbol qualifies, so the test proves the wiring (sources read each
    // cycle, alerts emitted on the engine's alert event), whatever scores the sim's market gives.
    const engine = createEngine(
      { exchange: 'sim', timeframes: ['1m'], backfillBars: 60, sim: { symbols: 6, seed: 5, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null }, alerts: { manipScore: 0 } },
      { logger: silentLogger },
    );
    const alerts: EngineAlert[] = [];
    engine.on('alert', (a) => alerts.push(a));
    let watched: string[] = [];
    engine.watchSymbols(() => watched);
    try {
      await engine.start();
      const [a, b] = engine.universe().map((m) => m.symbol);
      watched = [a!];
      await until('an alert for the watched symbol', () => (alerts.some((x) => x.kind === 'manipulation') ? true : null));
      const manip = alerts.filter((x) => x.kind === 'manipulation');
      expect(manip.map((x) => x.details?.symbol), 'only the watched symbol').toEqual([a]);
      watched = [a!, b!];
      await until('an alert for the newly watched symbol', () => (alerts.some((x) => x.kind === 'manipulation' && x.details?.symbol === b) ? true : null));
      expect(alerts.filter((x) => x.kind === 'manipulation' && x.details?.symbol === a), 'no repeat for the first').toHaveLength(1);
    } finally {
      await engine.stop();
    }
  });
});
