import { describe, expect, it } from 'vitest';
import { SelectionParamsSchema } from '../../src/signals/config.js';
import { selectSignals, SignalLifecycle } from '../../src/signals/selection.js';
import type { Signal } from '../../src/signals/types.js';

const HOUR = 3_600_000;

function sig(symbol: string, timeframe: string, score: number, over: Partial<Signal> = {}): Signal {
  return {
    id: `${symbol}-${timeframe}-${score}-${over.closeTimeMs ?? HOUR}`,
    symbol,
    timeframe,
    openTimeMs: 0,
    closeTimeMs: HOUR,
    side: 'long',
    score,
    calibrated: false,
    probability: 0.5,
    expectedValue: 0,
    regime: null,
    riskMultiplier: 1,
    components: [],
    evidence: [],
    tags: [],
    levels: { entry: 1, stop: 0.9, takeProfit: 1.1, byComponent: {} },
    entryPlan: null,
    ...over,
  };
}

const params = (over = {}) => SelectionParamsSchema.parse(over);

describe('selectSignals', () => {
  it('best per timeframe (capped), then best per symbol, then capped per cycle', () => {
    const p = params({ maxPerTimeframe: 2, maxPerCycle: 3, cooldownMs: 0 });
    const picked = selectSignals(
      [sig('A', '1h', 5), sig('B', '1h', 4), sig('C', '1h', 3), sig('A', '15m', 6), sig('D', '15m', 2), sig('E', '15m', 1)],
      new SignalLifecycle(p),
      p,
    );
    // 15m keeps A(6), D(2); 1h keeps A(5), B(4); per symbol A keeps 15m; cap 3: A15m, B1h, D15m.
    expect(picked.map((s) => `${s.symbol}/${s.timeframe}`)).toEqual(['A/15m', 'B/1h', 'D/15m']);
  });

  it('ties break on the id, so selection never depends on input order', () => {
    const p = params({ maxPerCycle: 1 });
    const a = sig('A', '1h', 3, { id: 'b' });
    const b = sig('B', '1h', 3, { id: 'a' });
    expect(selectSignals([a, b], new SignalLifecycle(p), p)[0]!.symbol).toBe('B');
    expect(selectSignals([b, a], new SignalLifecycle(p), p)[0]!.symbol).toBe('B');
  });

  it('cooldown per symbol and side, measured on bar close times', () => {
    const p = params({ cooldownMs: 2 * HOUR });
    const life = new SignalLifecycle(p);
    expect(selectSignals([sig('A', '1h', 3, { closeTimeMs: HOUR })], life, p)).toHaveLength(1);
    expect(selectSignals([sig('A', '1h', 3, { closeTimeMs: 2 * HOUR })], life, p), 'one hour later: cooling').toHaveLength(0);
    expect(selectSignals([sig('A', '1h', 3, { closeTimeMs: 2 * HOUR, side: 'short' })], life, p), 'the other side is its own key').toHaveLength(1);
    expect(selectSignals([sig('A', '1h', 3, { closeTimeMs: 3 * HOUR })], life, p), 'two hours later: free').toHaveLength(1);
  });

  it('cooldown per symbol when scoped so', () => {
    const p = params({ cooldownMs: 2 * HOUR, cooldownScope: 'symbol' });
    const life = new SignalLifecycle(p);
    selectSignals([sig('A', '1h', 3)], life, p);
    expect(selectSignals([sig('A', '15m', 3, { side: 'short', closeTimeMs: 2 * HOUR })], life, p)).toHaveLength(0);
  });

  it('dedupe: an id already emitted is dropped, even after the cooldown', () => {
    const p = params({ cooldownMs: 0 });
    const life = new SignalLifecycle(p);
    const s = sig('A', '1h', 3);
    expect(selectSignals([s], life, p)).toHaveLength(1);
    expect(selectSignals([s], life, p)).toHaveLength(0);
    const restored = new SignalLifecycle(p, JSON.parse(JSON.stringify(life.snapshot())));
    expect(selectSignals([s], restored, p), 'dedupe memory survives a snapshot').toHaveLength(0);
  });
});
