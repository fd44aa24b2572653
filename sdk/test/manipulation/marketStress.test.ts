import { describe, expect, it } from 'vitest';
import { ManipulationWatch } from '../../src/engine/manipulationWatch.js';
import { analyzeSnapshot, computeMarketContext, peerReturn, scoreManipulation, type MarketSnapshot } from '../../src/manipulation/index.js';
import { Ranker } from '../../src/ranking/ranker.js';
import { HOUR_MS, calmCandles, setLastBar, snapshotOf, type MutableCandles } from './fixtures.js';

/** `count` calm symbols whose last bar moved by `lastMove` (close) with a `wick` below the open. */
function universe(count: number, lastMove: number, wick = 0): MarketSnapshot[] {
  return Array.from({ length: count }, (_, k) => {
    const c = calmCandles(200, 100 + k);
    const prev = c.close[198] as number;
    const close = prev * (1 + lastMove);
    setLastBar(c, { open: prev, high: Math.max(prev, close) * 1.001, low: Math.min(prev, close) * (1 - wick), close, volume: 1100 });
    return snapshotOf(c, { symbol: `S${k}/USDT:USDT` });
  });
}

function crash(c: MutableCandles, drop: number, volume: number): void {
  const prev = c.close[198] as number;
  setLastBar(c, { open: prev, high: prev * 1.001, low: prev * (1 - drop) * 0.998, close: prev * (1 - drop), volume });
}

describe('computeMarketContext', () => {
  it('raises stress when most symbols fall together on the last bar, with the median figures', () => {
    const ctx = computeMarketContext(universe(20, -0.08));
    expect(ctx?.symbols).toBe(20);
    expect(ctx?.stress?.direction).toBe('down');
    expect(ctx?.stress?.share).toBe(1);
    expect(ctx?.stress?.medianRet1Pct).toBeCloseTo(-8, 1);
    expect(ctx?.stress?.severity).toBe(1);
    expect(Number.isNaN(ctx?.stress?.benchmarkRet1Pct), 'no BTC in this universe').toBe(true);
    expect(peerReturn(ctx, 1)).toBeCloseTo(-0.08, 6);
  });

  it('raises none when one symbol moves alone, and no context under 10 aligned symbols', () => {
    const snaps = universe(20, 0.001);
    crash(snaps[0]!.candles as MutableCandles, 0.4, 20_000);
    const ctx = computeMarketContext(snaps);
    expect(ctx?.stress).toBeNull();
    expect(Math.abs(peerReturn(ctx, 1) - 0.001)).toBeLessThan(1e-9);
    expect(computeMarketContext(universe(9, -0.08)), 'too few peers to judge').toBeNull();
    expect(peerReturn(null, 3), 'no context: moves are measured raw').toBe(0);
  });

  it('counts only symbols on the latest bar, and reads the benchmark from BTC', () => {
    const snaps = universe(12, -0.06);
    snaps[0] = { ...snaps[0]!, symbol: 'BTC/USDT:USDT' };
    const stale = calmCandles(199, 5);
    snaps.push(snapshotOf(stale, { symbol: 'OLD/USDT:USDT' }));
    const ctx = computeMarketContext(snaps);
    expect(ctx?.symbols, 'the stale symbol is left out').toBe(12);
    expect(ctx?.benchmarkRet[0]).toBeCloseTo(-0.06, 6);
    expect(ctx?.stress?.benchmarkRet1Pct).toBeCloseTo(-6, 1);
  });
});

describe('collapse and market stress in the radar', () => {
  it('an idiosyncratic 40% crash on 20x volume fires collapse; the same crash with the whole market is dropped', () => {
    const alone = universe(20, 0.001);
    crash(alone[0]!.candles as MutableCandles, 0.4, 20_000);
    const ctxAlone = computeMarketContext(alone);
    const f = analyzeSnapshot(alone[0]!, {}, ctxAlone).manip.flags.find((x) => x.name === 'collapse');
    expect(f, 'a crash far beyond ATR and peers, no pump before it').toBeDefined();
    expect(f!.evidence.dropPct).toBeCloseTo(-40, 0);
    expect(f!.severity).toBe(1);

    const all = universe(20, 0.001);
    for (const s of all) crash(s.candles as MutableCandles, 0.4, 20_000);
    const ctxAll = computeMarketContext(all);
    expect(ctxAll?.stress?.direction).toBe('down');
    expect(analyzeSnapshot(all[0]!, {}, ctxAll).manip.flags.map((x) => x.name), 'the market explains it').not.toContain('collapse');
    expect(analyzeSnapshot(all[0]!).manip.flags.map((x) => x.name), 'without the cross-section it would fire').toContain('collapse');
  });

  it('a calm symbol never scores at the alert level without a flag', () => {
    for (const seed of [1, 2, 3]) {
      const r = scoreManipulation(snapshotOf(calmCandles(200, seed)));
      expect(r.flags).toEqual([]);
      expect(r.manipScore).toBeLessThan(90);
    }
  });
});

describe('market_stress through the Ranker and the watch', () => {
  it('the ranking carries the stress once, and the watch raises one market_stress alert per bar', () => {
    const ranker = new Ranker({ orientation: null });
    const stressed = ranker.rank(universe(20, -0.08, 0.05));
    expect(stressed.marketStress?.direction).toBe('down');
    expect(stressed.rows.filter((r) => r.manipScore >= 90), 'no symbol alerts for the market move').toEqual([]);
    const calm = ranker.rank(universe(20, 0.001));
    expect(calm.marketStress).toBeNull();

    const watch = new ManipulationWatch(90);
    const stress = stressed.marketStress!;
    const first = watch.evaluate([], new Set(), 1, stress);
    expect(first.map((a) => a.kind)).toEqual(['market_stress']);
    expect(first[0]!.message).toMatch(/market-wide move down: 20 of 20 symbols/);
    expect(first[0]!.details?.barOpenTimeMs).toBe(stress.barOpenTimeMs);
    expect(watch.evaluate([], new Set(), 2, stress), 'the same bar does not alert twice').toEqual([]);
    expect(watch.evaluate([], new Set(), 3, { ...stress, barOpenTimeMs: stress.barOpenTimeMs + HOUR_MS }).map((a) => a.kind), 'a new stressed bar alerts').toEqual(['market_stress']);
    expect(new ManipulationWatch(null).evaluate([], new Set(), 4, stress), 'alerts off').toEqual([]);
  });
});
