import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { emptyFeatureRow, type FeatureRow } from '../../src/features/types.js';
import {
  BUILTIN_STRATEGY_IDS,
  breakout,
  createStrategyRegistry,
  donchianAtr,
  emaCross,
  emaPullback,
  momentumBurst,
  NO_SIGNAL,
  planAtrEntry,
  supertrendFlip,
  type Strategy,
  type StrategyContext,
} from '../../src/strategies/index.js';
import { InvalidInputError } from '../../src/core/errors.js';

function row(values: Partial<FeatureRow>): FeatureRow {
  return { ...emptyFeatureRow(), ...values };
}

function ctx(features: Partial<FeatureRow>, prev?: Partial<FeatureRow>, equityUsd?: number): StrategyContext {
  const c: StrategyContext = { symbol: 'ABC/USDT:USDT', timeframe: '1h', features: row(features), prev: prev ? row(prev) : null };
  if (equityUsd !== undefined) c.equityUsd = equityUsd;
  return c;
}

const defaults = <P>(s: Strategy<P>): P => s.paramsSchema.parse({});

describe('breakout', () => {
  const p = defaults(breakout);
  it('long when the close clears the prior channel high on a volume burst', () => {
    // 1 ATR past the level (capped at 1) and burst 3 = 1.5 * min: 0.3 + 0.4 * 1 + 0.3 * 1 = 1.
    const r = breakout.evaluate(ctx({ close: 110, atr: 10, volumeBurst: 3, donchianUpperPrev: 100, donchianLowerPrev: 80 }), p);
    expect(r).toMatchObject({ pass: true, side: 'long', level: 100, tags: ['breakout', 'volume'] });
    expect(r.score).toBeCloseTo(1, 12);
  });
  it('score from distance and burst: half an ATR past, burst 1.5 (the minimum)', () => {
    const r = breakout.evaluate(ctx({ close: 105, atr: 10, volumeBurst: 1.5, donchianUpperPrev: 100, donchianLowerPrev: 80 }), p);
    expect(r.score, '0.3 + 0.4 * 0.5 + 0.3 * 0').toBeCloseTo(0.5, 12);
  });
  it('short below the prior low; nothing without the burst or inside the channel', () => {
    expect(breakout.evaluate(ctx({ close: 75, atr: 10, volumeBurst: 2, donchianUpperPrev: 100, donchianLowerPrev: 80 }), p).side).toBe('short');
    expect(breakout.evaluate(ctx({ close: 110, atr: 10, volumeBurst: 1.2, donchianUpperPrev: 100, donchianLowerPrev: 80 }), p)).toBe(NO_SIGNAL);
    expect(breakout.evaluate(ctx({ close: 90, atr: 10, volumeBurst: 5, donchianUpperPrev: 100, donchianLowerPrev: 80 }), p)).toBe(NO_SIGNAL);
  });
  it('never fires on warm-up NaNs', () => {
    expect(breakout.evaluate(ctx({ close: 110, atr: Number.NaN, volumeBurst: 3, donchianUpperPrev: 100, donchianLowerPrev: 80 }), p)).toBe(NO_SIGNAL);
  });
});

describe('ema-pullback', () => {
  const p = defaults(emaPullback);
  it('long when an uptrend bar dips to the fast EMA and closes above it', () => {
    // separation (105 - 100) / 2 / 2 = 1.25 -> 1; bounce (107 - 105) / 2 = 1: 0.4 + 0.3 + 0.3 = 1.
    const r = emaPullback.evaluate(ctx({ close: 107, low: 105.2, high: 108, atr: 2, emaFast: 105, emaSlow: 100, emaSlope: 0.001 }), p);
    expect(r).toMatchObject({ pass: true, side: 'long', level: 105 });
    expect(r.score).toBeCloseTo(1, 12);
  });
  it('no touch, no signal (low 106 is more than 0.25 ATR above the EMA)', () => {
    expect(emaPullback.evaluate(ctx({ close: 107, low: 106, high: 108, atr: 2, emaFast: 105, emaSlow: 100, emaSlope: 0.001 }), p)).toBe(NO_SIGNAL);
  });
  it('short in a downtrend rally to the EMA', () => {
    const r = emaPullback.evaluate(ctx({ close: 94, low: 93, high: 95, atr: 2, emaFast: 95, emaSlow: 100, emaSlope: -0.001 }), p);
    expect(r.side).toBe('short');
    expect(r.score, 'separation 1, bounce 0.5: 0.4 + 0.3 + 0.15').toBeCloseTo(0.85, 12);
  });
});

describe('momentum-burst', () => {
  const p = defaults(momentumBurst);
  it('a 3-ATR up bar on a volume z of 4', () => {
    // prevClose 100, close 106, ATR 2: 3 ATRs; (3 - 1.5) / 1.5 = 1 and (4 - 2) / 2 = 1: 0.3 + 0.35 + 0.35.
    const r = momentumBurst.evaluate(ctx({ close: 106, ret1: 0.06, atr: 2, volumeZ: 4 }), p);
    expect(r).toMatchObject({ pass: true, side: 'long' });
    expect(r.level).toBeCloseTo(100, 10);
    expect(r.score).toBeCloseTo(1, 12);
  });
  it('down move gives short; small move or normal volume gives nothing', () => {
    expect(momentumBurst.evaluate(ctx({ close: 94, ret1: -0.06, atr: 2, volumeZ: 3 }), p).side).toBe('short');
    expect(momentumBurst.evaluate(ctx({ close: 101, ret1: 0.01, atr: 2, volumeZ: 5 }), p)).toBe(NO_SIGNAL);
    expect(momentumBurst.evaluate(ctx({ close: 106, ret1: 0.06, atr: 2, volumeZ: 1 }), p)).toBe(NO_SIGNAL);
  });
});

describe('supertrend-flip', () => {
  const p = defaults(supertrendFlip);
  it('fires only on the bar the direction changes', () => {
    const up = supertrendFlip.evaluate(ctx({ supertrendDir: 1, supertrend: 95, adx: 25 }, { supertrendDir: -1 }), p);
    expect(up).toMatchObject({ pass: true, side: 'long', level: 95, tags: ['supertrend', 'flip-up'] });
    expect(up.score, '0.5 + 0.5 * 25 / 50').toBeCloseTo(0.75, 12);
    expect(supertrendFlip.evaluate(ctx({ supertrendDir: 1, supertrend: 95 }, { supertrendDir: 1 }), p)).toBe(NO_SIGNAL);
    expect(supertrendFlip.evaluate(ctx({ supertrendDir: -1, supertrend: 105, adx: 10 }, { supertrendDir: 1 }), p).side).toBe('short');
    expect(supertrendFlip.evaluate(ctx({ supertrendDir: -1, supertrend: 105 }), p), 'no previous bar').toBe(NO_SIGNAL);
  });
});

describe('ema-cross', () => {
  const p = defaults(emaCross);
  it('golden cross long, death cross short, no cross nothing', () => {
    const golden = emaCross.evaluate(ctx({ emaFast: 101, emaSlow: 100, adx: 20 }, { emaFast: 99, emaSlow: 100 }), p);
    expect(golden).toMatchObject({ pass: true, side: 'long', level: 100 });
    expect(golden.score, '0.5 + 0.5 * 20 / 40').toBeCloseTo(0.75, 12);
    expect(emaCross.evaluate(ctx({ emaFast: 99, emaSlow: 100 }, { emaFast: 101, emaSlow: 100 }), p).side).toBe('short');
    expect(emaCross.evaluate(ctx({ emaFast: 102, emaSlow: 100 }, { emaFast: 101, emaSlow: 100 }), p)).toBe(NO_SIGNAL);
  });
});

describe('donchian-atr', () => {
  const p = defaults(donchianAtr);
  it('entry plan: stop 1.2 ATR away, size so the stop loses 2.5 % of equity', () => {
    const r = donchianAtr.evaluate(ctx({ close: 110, atr: 5, adx: 35, donchianUpperPrev: 108, donchianLowerPrev: 90 }, undefined, 20_000), p);
    expect(r).toMatchObject({ pass: true, side: 'long', level: 108 });
    expect(r.score, '0.4 + 0.6 * (35 - 20) / 30').toBeCloseTo(0.7, 12);
    const plan = r.plan!;
    expect(plan.stopDistance).toBeCloseTo(6, 12);
    expect(plan.stopPrice).toBeCloseTo(104, 12);
    expect(plan.riskUsd, '2.5 % of 20,000').toBeCloseTo(500, 9);
    expect(plan.sizeBase, '500 USD over a 6 USD stop').toBeCloseTo(500 / 6, 9);
    expect(plan.notionalUsd).toBeCloseTo((500 / 6) * 110, 6);
  });
  it('uses the reference equity without one in the context; short stop above entry', () => {
    const r = donchianAtr.evaluate(ctx({ close: 80, atr: 2, adx: 25, donchianUpperPrev: 100, donchianLowerPrev: 85 }), p);
    expect(r.side).toBe('short');
    expect(r.plan!.stopPrice).toBeCloseTo(82.4, 12);
    expect(r.plan!.riskUsd).toBeCloseTo(250, 9);
  });
  it('needs ADX confirmation', () => {
    expect(donchianAtr.evaluate(ctx({ close: 110, atr: 5, adx: 15, donchianUpperPrev: 108, donchianLowerPrev: 90 }), p)).toBe(NO_SIGNAL);
  });
  it('planAtrEntry refuses a stop at or below zero', () => {
    expect(planAtrEntry('long', 1, 1, 1000, p), 'a 1.2 stop below a price of 1').toBeNull();
  });
});

describe('registry', () => {
  it('holds the built-ins and binds their defaults', () => {
    const registry = createStrategyRegistry();
    expect(registry.ids()).toEqual([...BUILTIN_STRATEGY_IDS]);
    expect(registry.bind('breakout').params).toEqual({ volumeBurstMin: 1.5, minBreakAtr: 0 });
  });

  it('a user strategy registers, binds with validated params and evaluates', () => {
    const rsiDip: Strategy<{ below: number }> = {
      id: 'rsi-dip',
      description: 'long when RSI is oversold',
      paramsSchema: z.object({ below: z.number().default(25) }),
      evaluate: (c, params) =>
        c.features.rsi < params.below ? { pass: true, side: 'long', score: 0.5, tags: ['oversold'], level: c.features.close } : NO_SIGNAL,
    };
    const registry = createStrategyRegistry().register(rsiDip);
    const bound = registry.bind('rsi-dip', { below: 30 });
    expect(bound.evaluate(ctx({ rsi: 28, close: 10 })).side).toBe('long');
    expect(registry.bind('rsi-dip').evaluate(ctx({ rsi: 28, close: 10 })).pass, 'default 25').toBe(false);
    expect(() => registry.register(rsiDip), 'a duplicate id').toThrow(InvalidInputError);
    expect(() => registry.bind('rsi-dip', { below: 'low' }), 'a bad parameter names the strategy and field').toThrow(/rsi-dip\.below/);
    expect(() => registry.bind('nope'), 'an unknown id lists the known ones').toThrow(/breakout/);
  });

  it('strict schemas reject unknown parameter names', () => {
    expect(() => createStrategyRegistry().bind('breakout', { volumeBrst: 2 })).toThrow(/volumeBrst/);
  });
});
