import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignalLabeler, type PendingLabel } from '../../src/signals/labeler.js';
import type { LabelOutcome } from '../../src/signals/types.js';

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

/**
 * The labeling rule written plainly over label objects, one list per series: the reference the
 * labeler's columnar lists must match outcome for outcome.
 */
class ReferenceLabeler {
  readonly lists = new Map<string, PendingLabel[]>();

  constructor(private readonly cap: number) {}

  /** Adds the labels, then drops the oldest (signal bar, then series key) beyond the cap; returns the dropped ids. */
  trackAll(ps: readonly PendingLabel[]): string[] {
    for (const p of ps) {
      const k = `${p.symbol}|${p.timeframe}`;
      this.lists.set(k, [...(this.lists.get(k) ?? []), { ...p, components: [...p.components] }]);
    }
    const dropped: string[] = [];
    for (;;) {
      const nonEmpty = [...this.lists].filter(([, l]) => l.length > 0);
      if (nonEmpty.reduce((n, [, l]) => n + l.length, 0) <= this.cap) return dropped;
      const [, oldest] = nonEmpty.reduce((a, b) => (b[1][0]!.openTimeMs < a[1][0]!.openTimeMs || (b[1][0]!.openTimeMs === a[1][0]!.openTimeMs && b[0] < a[0]) ? b : a));
      dropped.push(oldest.shift()!.signalId);
    }
  }

  onBar(symbol: string, timeframe: string, bar: { openTimeMs: number; high: number; low: number; close: number }): Partial<LabelOutcome>[] {
    const out: Partial<LabelOutcome>[] = [];
    const kept: PendingLabel[] = [];
    for (const p of this.lists.get(`${symbol}|${timeframe}`) ?? []) {
      if (bar.openTimeMs <= p.openTimeMs) {
        kept.push(p);
        continue;
      }
      p.barsSeen++;
      const long = p.side === 'long';
      const hitSl = long ? bar.low <= p.stop : bar.high >= p.stop;
      const hitTp = long ? bar.high >= p.takeProfit : bar.low <= p.takeProfit;
      const exit = hitSl ? p.stop : hitTp ? p.takeProfit : p.barsSeen >= p.horizonBars ? bar.close : null;
      if (exit === null) kept.push(p);
      else out.push({ signalId: p.signalId, outcome: hitSl ? 'sl' : hitTp ? 'tp' : 'timeout', barsHeld: p.barsSeen, returnPct: ((long ? 1 : -1) * (exit - p.entryPrice)) / p.entryPrice, resolvedOpenTimeMs: bar.openTimeMs });
    }
    this.lists.set(`${symbol}|${timeframe}`, kept);
    return out;
  }

  snapshot(): PendingLabel[] {
    return [...this.lists.keys()].sort().flatMap((k) => this.lists.get(k)!.map((p) => ({ ...p })));
  }
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
  it('resolves and drops every label as the plain rule does, bar after bar, and a snapshot taken mid-flight resumes the same', () => {
    const series = ['A|1m', 'A|1h', 'B|1m'];
    const label = fc.record({
      key: fc.constantFrom(...series),
      long: fc.boolean(),
      stopPct: fc.integer({ min: 1, max: 6 }),
      tpPct: fc.integer({ min: 1, max: 8 }),
      horizon: fc.integer({ min: 1, max: 5 }),
      // Signal bars up to two hours back: a coarser timeframe's bar opens before a finer one's.
      backMs: fc.integer({ min: 0, max: 2 }).map((h) => h * HOUR),
    });
    // Bars at, before and after pending labels' signal bars (on a quarter-hour grid, so exactly at
    // one too), so some labels are skipped and moved past; whole-hour signal bars tie across series.
    const barMove = fc.record({ key: fc.constantFrom(...series), atMs: fc.integer({ min: -8, max: 4 }).map((q) => q * 15 * 60_000), up: fc.integer({ min: 0, max: 9 }), down: fc.integer({ min: 0, max: 9 }), close: fc.integer({ min: -5, max: 5 }) });
    const step = fc.record({ labels: fc.array(label, { maxLength: 4 }), bars: fc.array(barMove, { maxLength: 6 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(step, { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 9 }), (cap, steps, snapAt) => {
        const ref = new ReferenceLabeler(cap);
        let live = new SignalLabeler(cap);
        steps.forEach((st, k) => {
          // Each series' labels in signal-bar order, as cycles make them (the cap relies on it).
          const labels = st.labels
            .map((l, i) => {
              const [symbol, timeframe] = l.key.split('|') as [string, string];
              return pending({ signalId: `s${k}-${i}`, symbol, timeframe, side: l.long ? 'long' : 'short', openTimeMs: k * 3 * HOUR - l.backMs, horizonBars: l.horizon,
                stop: l.long ? 100 - l.stopPct : 100 + l.stopPct, takeProfit: l.long ? 100 + l.tpPct : 100 - l.tpPct });
            })
            .sort((a, b) => a.openTimeMs - b.openTimeMs);
          expect(live.trackAll(labels.map((p) => ({ ...p, components: [...p.components] }))), `step ${k}: dropped by the cap of ${cap}`).toEqual(ref.trackAll(labels));
          st.bars.forEach((b, j) => {
            const [symbol, timeframe] = b.key.split('|') as [string, string];
            const lb = { openTimeMs: k * 3 * HOUR + b.atMs, high: 100 + b.up, low: 100 - b.down, close: 100 + b.close };
            const got = live.onBar(symbol, timeframe, lb).map((o) => ({ signalId: o.signalId, outcome: o.outcome, barsHeld: o.barsHeld, returnPct: o.returnPct, resolvedOpenTimeMs: o.resolvedOpenTimeMs }));
            expect(got, `step ${k} bar ${j}`).toEqual(ref.onBar(symbol, timeframe, lb));
          });
          expect(live.snapshot(), `step ${k}: pending labels with their bars seen`).toEqual(ref.snapshot());
          if (k === snapAt) live = new SignalLabeler(cap, JSON.parse(JSON.stringify(live.snapshot())) as PendingLabel[]);
        });
      }),
      { seed: 20261207, numRuns: 400 },
    );
  });
});
