import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignalLabeler, type PendingLabel } from '../../src/signals/labeler.js';

const HOUR = 3_600_000;

function pending(over: Partial<PendingLabel> = {}): PendingLabel {
  return {
    signalId: 'sig',
    symbol: 'X',
    timeframe: '1h',
    side: 'long',
    components: ['breakout'],
    openTimeMs: 0,
    entryPrice: 100,
    takeProfit: 104,
    stop: 97,
    horizonBars: 3,
    barsSeen: 0,
    ...over,
  };
}

const bar = (i: number, high: number, low: number, close: number) => ({ openTimeMs: i * HOUR, high, low, close });

describe('SignalLabeler', () => {
  it('take-profit: return +4 %, reward 1', () => {
    const l = new SignalLabeler(100, [pending()]);
    expect(l.onBar('X', '1h', bar(1, 102, 99, 101)), 'no touch on bar 1').toEqual([]);
    const [o] = l.onBar('X', '1h', bar(2, 104.5, 100, 104));
    expect(o).toMatchObject({ outcome: 'tp', barsHeld: 2, resolvedOpenTimeMs: 2 * HOUR, components: ['breakout'] });
    expect(o!.returnPct).toBeCloseTo(0.04, 15);
    expect(o!.reward).toBe(1);
    expect(l.pendingCount).toBe(0);
  });

  it('stop: return -3 %, reward 0.5 - 0.5 * 3/4 = 0.125', () => {
    const l = new SignalLabeler(100, [pending()]);
    const [o] = l.onBar('X', '1h', bar(1, 101, 96, 97));
    expect(o!.outcome).toBe('sl');
    expect(o!.returnPct).toBeCloseTo(-0.03, 15);
    expect(o!.reward).toBeCloseTo(0.125, 15);
  });

  it('a bar touching both counts as the stop (the path inside a bar is unknown)', () => {
    const l = new SignalLabeler(100, [pending()]);
    expect(l.onBar('X', '1h', bar(1, 105, 96, 100))[0]!.outcome).toBe('sl');
  });

  it('short side: TP below, SL above', () => {
    const l = new SignalLabeler(100, [pending({ side: 'short', takeProfit: 96, stop: 103 })]);
    const [o] = l.onBar('X', '1h', bar(1, 101, 95, 96));
    expect(o!.outcome).toBe('tp');
    expect(o!.returnPct).toBeCloseTo(0.04, 15);
  });

  it('timeout after the horizon, valued at the close', () => {
    const l = new SignalLabeler(100, [pending()]);
    l.onBar('X', '1h', bar(1, 101, 99, 100));
    l.onBar('X', '1h', bar(2, 101, 99, 100));
    const [o] = l.onBar('X', '1h', bar(3, 102, 99, 102));
    expect(o).toMatchObject({ outcome: 'timeout', barsHeld: 3 });
    expect(o!.returnPct).toBeCloseTo(0.02, 15);
    expect(o!.reward, '0.5 + 0.5 * 0.02 / 0.04').toBeCloseTo(0.75, 15);
  });

  it('ignores other series and bars not after the signal bar', () => {
    const l = new SignalLabeler(100, [pending({ openTimeMs: 5 * HOUR })]);
    expect(l.onBar('Y', '1h', bar(6, 200, 1, 100))).toEqual([]);
    expect(l.onBar('X', '15m', bar(6, 200, 1, 100))).toEqual([]);
    expect(l.onBar('X', '1h', bar(5, 200, 1, 100)), 'the signal bar itself').toEqual([]);
    expect(l.pendingCount).toBe(1);
  });

  it('drops the oldest beyond maxPending; snapshot round-trips', () => {
    const l = new SignalLabeler(2);
    l.track(pending({ signalId: 'a', openTimeMs: 1 }));
    l.track(pending({ signalId: 'b', openTimeMs: 2 }));
    l.track(pending({ signalId: 'c', openTimeMs: 3, symbol: 'Y' }));
    expect(l.snapshot().map((p) => p.signalId)).toEqual(['b', 'c']);
    const again = new SignalLabeler(2, JSON.parse(JSON.stringify(l.snapshot())));
    expect(again.snapshot()).toEqual(l.snapshot());
  });

  it('a restore out of signal-bar order still drops the oldest label at the cap', () => {
    // The store reads pending rows by due time: a changed horizon can put a series' later signal first.
    const l = new SignalLabeler(1, [pending({ signalId: 'late', openTimeMs: 10 * HOUR }), pending({ signalId: 'early', openTimeMs: 5 * HOUR })]);
    expect(l.snapshot().map((p) => p.signalId)).toEqual(['late']);
  });

  it('trackAll keeps exactly what track on each label in turn keeps, cycle after cycle, at any cap', () => {
    // Cycles of labels as the engine makes them: per cycle at most one per series, times moving
    // forward (a coarser timeframe's bar opens earlier), some resolved by bars between cycles. The
    // equivalence needs each series' labels in signal-bar order, which cycles keep (they never go
    // back in time) and the constructor restores (it sorts).
    const series = ['A|1m', 'A|1h', 'B|1m', 'B|1h', 'C|1m', 'C|15m', 'D|1m'];
    const cycle = fc.uniqueArray(fc.constantFrom(...series), { minLength: 0, maxLength: series.length });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(cycle, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 4 }), (cap, cycles, restored) => {
        const at = (k: number, key: string): number => (k + 1) * HOUR - (key.endsWith('1h') ? HOUR : key.endsWith('15m') ? 15 * 60_000 : 60_000);
        const initial = Array.from({ length: restored }, (_, i) => pending({ signalId: `r${i}`, symbol: series[i % series.length]!.split('|')[0]!, timeframe: series[i % series.length]!.split('|')[1]!, openTimeMs: -HOUR + i }));
        const one = new SignalLabeler(cap);
        for (const p of initial) one.track({ ...p, components: [...p.components] });
        const all = new SignalLabeler(cap, initial);
        expect(all.snapshot()).toEqual(one.snapshot());
        cycles.forEach((keys, k) => {
          // A bar on each series first: every 3rd cycle it reaches the stop of the longs pending there.
          for (const key of series) {
            const [symbol, timeframe] = key.split('|') as [string, string];
            const b = { openTimeMs: (k + 1) * HOUR + 1, high: 101, low: k % 3 === 0 ? 90 : 99, close: 100 };
            expect(all.onBar(symbol, timeframe, b)).toEqual(one.onBar(symbol, timeframe, b));
          }
          const labels = keys.map((key, i) => {
            const [symbol, timeframe] = key.split('|') as [string, string];
            return pending({ signalId: `c${k}-${i}`, symbol, timeframe, openTimeMs: at(k, key) });
          });
          for (const p of labels) one.track(p);
          all.trackAll(labels.map((p) => ({ ...p })));
          expect(all.pendingCount).toBe(one.pendingCount);
          expect(all.pendingCount).toBeLessThanOrEqual(cap);
          expect(all.snapshot(), `cycle ${k}`).toEqual(one.snapshot());
        });
      }),
      { seed: 20261207, numRuns: 300 },
    );
  });
});
