import { describe, expect, it } from 'vitest';
import { emptyFeatureRow, type FeatureRow } from '../../src/features/types.js';
import { RegimeParamsSchema } from '../../src/signals/config.js';
import { classifyRegime, regimeScoreMultiplier } from '../../src/signals/regime.js';

const p = RegimeParamsSchema.parse({});

function anchor(over: Partial<FeatureRow>): FeatureRow {
  return { ...emptyFeatureRow(), openTimeMs: 0, close: 100, ret1: 0.001, atr: 1, atrPct: 0.01, adx: 30, plusDi: 30, minusDi: 15, emaSlope: 0.001, volRatio: 1, ...over };
}

describe('classifyRegime', () => {
  it('bull: ADX >= 20, rising EMA, +DI over -DI', () => {
    const r = classifyRegime(anchor({}), p)!;
    expect(r.kind).toBe('bull');
    expect(r.riskMultiplier).toBe(1);
    expect(r.score, 'tanh(0.001 * 500) * min(1, 30 / 40)').toBeCloseTo(Math.tanh(0.5) * 0.75, 15);
  });
  it('bear: ADX >= 20, falling EMA, -DI over +DI', () => {
    expect(classifyRegime(anchor({ emaSlope: -0.001, plusDi: 10, minusDi: 30 }), p)!.kind).toBe('bear');
  });
  it('chop: weak ADX, or slope and DI disagreeing', () => {
    const weak = classifyRegime(anchor({ adx: 15 }), p)!;
    expect(weak.kind).toBe('chop');
    expect(weak.riskMultiplier).toBe(0.6);
    expect(classifyRegime(anchor({ emaSlope: -0.001 }), p)!.kind, 'falling EMA with +DI leading').toBe('chop');
  });
  it('panic: a one-bar move of 3.5 ATRs, or volatility doubling; TP/SL shrink', () => {
    // close 100 after +4 %: previous close 96.15..., a 3.85-point move on ATR 1.
    const crash = classifyRegime(anchor({ ret1: 0.04 }), p)!;
    expect(crash.kind).toBe('panic');
    expect(crash.tpslMultiplier).toBe(0.6);
    expect(crash.riskMultiplier).toBe(0.3);
    expect(classifyRegime(anchor({ volRatio: 2.1 }), p)!.kind).toBe('panic');
  });
  it('null while the anchor is warming up', () => {
    expect(classifyRegime(anchor({ adx: Number.NaN }), p)).toBeNull();
  });
});

describe('regimeScoreMultiplier', () => {
  it('boosts the trend side, penalises the other side, chop and panic', () => {
    const bull = classifyRegime(anchor({}), p);
    expect(regimeScoreMultiplier(bull, 'long', p)).toBeCloseTo(1.35, 15);
    expect(regimeScoreMultiplier(bull, 'short', p)).toBeCloseTo(0.65, 15);
    expect(regimeScoreMultiplier(classifyRegime(anchor({ adx: 10 }), p), 'long', p)).toBeCloseTo(0.75, 15);
    expect(regimeScoreMultiplier(classifyRegime(anchor({ volRatio: 3 }), p), 'short', p)).toBe(0.5);
    expect(regimeScoreMultiplier(null, 'long', p), 'no regime yet: neutral').toBe(1);
  });
});
