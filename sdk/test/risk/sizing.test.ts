import { describe, expect, it } from 'vitest';
import { RiskConfigSchema, smartLeverage, smartMarginMode, type RiskConfigInput } from '../../src/risk/index.js';
import { account, policy, request } from './fixtures.js';

const roomy = { gates: { maxExposureUsd: 1_000_000 } } satisfies RiskConfigInput;
const smart = RiskConfigSchema.parse({}).sizing.smart;

describe('fixed notional', () => {
  it('sizes 50 USD at 3x with an ATR stop (defaults)', () => {
    const d = policy().policy.evaluateEntry(request(), account());
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    // 50 / 100 = 0.5 base; stop 100 - 2 x 1.2 = 97.6; risk 0.5 x 2.4 = 1.2; margin 50 / 3.
    const { riskUsd, ...rest } = d.sizing;
    expect(rest).toEqual({ mode: 'fixed', notionalUsd: 50, amountBase: 0.5, leverage: 3, marginMode: 'cross', marginUsd: 50 / 3, stopPrice: 97.6, upsizedToMinMargin: false, confidence: 0.7 });
    expect(riskUsd).toBeCloseTo(1.2, 9);
  });

  it('puts a short stop above the entry and honours an explicit stop', () => {
    const d = policy().policy.evaluateEntry(request({ side: 'short', stopPrice: 104 }), account());
    expect(d.ok && d.sizing.stopPrice).toBe(104);
    expect(d.ok && d.sizing.riskUsd, '0.5 base x 4 USD').toBeCloseTo(2, 9);
    const atr = policy().policy.evaluateEntry(request({ side: 'short' }), account());
    expect(atr.ok && atr.sizing.stopPrice).toBeCloseTo(102.4, 9);
  });

  it('applies the regime risk multiplier', () => {
    const d = policy().policy.evaluateEntry(request({ riskMultiplier: 0.8 }), account());
    expect(d.ok && d.sizing.notionalUsd).toBeCloseTo(40, 9);
  });
});

describe('risk-% of equity', () => {
  it('sizes so the stop loses riskPct of equity', () => {
    const { policy: p } = policy({ ...roomy, sizing: { mode: 'risk_pct', riskPct: 1 } });
    const d = p.evaluateEntry(request(), account({ equityUsd: 10_000, availableBalanceUsd: 10_000 }));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    // Budget 100 USD; stop distance 2.4 -> 41.667 base -> 4,166.67 USD notional at 3x.
    expect(d.sizing.riskUsd).toBeCloseTo(100, 9);
    expect(d.sizing.amountBase).toBeCloseTo(100 / 2.4, 9);
    expect(d.sizing.notionalUsd).toBeCloseTo(4_166.6667, 3);
    expect(d.sizing.marginUsd).toBeCloseTo(1_388.8889, 3);
  });

  it('uses the explicit stop distance', () => {
    const { policy: p } = policy({ ...roomy, sizing: { mode: 'risk_pct', riskPct: 1 } });
    const d = p.evaluateEntry(request({ side: 'short', stopPrice: 104 }), account({ equityUsd: 10_000, availableBalanceUsd: 10_000 }));
    // 100 USD / 4 = 25 base = 2,500 USD.
    expect(d.ok && d.sizing.notionalUsd).toBeCloseTo(2_500, 9);
  });

  it('caps the notional at equity x leverage', () => {
    const { policy: p } = policy({ ...roomy, sizing: { mode: 'risk_pct', riskPct: 10 } });
    const d = p.evaluateEntry(request(), account({ equityUsd: 1_000, availableBalanceUsd: 1_000 }));
    // Uncapped 4,166.67 USD; cap 1,000 x 3 = 3,000 USD; risk then 30 base x 2.4 = 72 USD.
    expect(d.ok && d.sizing.notionalUsd).toBe(3_000);
    expect(d.ok && d.sizing.riskUsd).toBeCloseTo(72, 9);
  });
});

describe('dynamic notional', () => {
  const cfg = { ...roomy, sizing: { mode: 'dynamic' as const } };

  it('scales by confidence and volatility', () => {
    // conf 0.8 -> 1 + (0.8 - 0.5) = 1.3; ATR 2 % vs 1 % ref -> 0.5; 50 x 0.65 = 32.5.
    const d = policy(cfg).policy.evaluateEntry(request({ probability: 0.8 }), account());
    expect(d.ok && d.sizing.notionalUsd).toBeCloseTo(32.5, 9);
  });

  it('an uncalibrated probability sizes at neutral confidence: no size from a number no data backs', () => {
    // conf 0.5 -> 1; ATR 2 % vs 1 % ref -> 0.5; 50 x 0.5 = 25 -> margin 8.33 < 10 -> upsized to 30.
    const d = policy(cfg).policy.evaluateEntry(request({ probability: 0.8, probabilityCalibrated: false }), account());
    expect(d.ok && d.sizing).toMatchObject({ confidence: 0.5, notionalUsd: 30, upsizedToMinMargin: true });
    const low = policy({ ...cfg, gates: { ...roomy.gates, minProbability: 0 } }).policy.evaluateEntry(request({ probability: 0.3, probabilityCalibrated: false }), account());
    expect(low.ok && low.sizing.confidence, 'a low heuristic may still lower the size: capped, not replaced').toBe(0.3);
    const calibrated = policy(cfg).policy.evaluateEntry(request({ probability: 0.8, probabilityCalibrated: true }), account());
    expect(calibrated.ok && calibrated.sizing).toMatchObject({ confidence: 0.8 });
    expect(calibrated.ok && calibrated.sizing.notionalUsd).toBeCloseTo(32.5, 9);
    const lev = policy({ ...roomy, sizing: { smart: { enabled: true } } }).policy;
    const raw = lev.evaluateEntry(request({ probability: 0.95, probabilityCalibrated: false }), account());
    const trusted = lev.evaluateEntry(request({ probability: 0.95 }), account());
    // ATR 2 on a 100 entry: 2 %.
    expect(raw.ok && raw.sizing.leverage, 'smart leverage ignores an uncalibrated 0.95').toBe(smartLeverage(smart, 0.5, 2));
    expect(trusted.ok && trusted.sizing.leverage, 'a calibrated 0.95 raises it').toBe(smartLeverage(smart, 0.95, 2));
    expect(smartLeverage(smart, 0.95, 2)).toBeGreaterThan(smartLeverage(smart, 0.5, 2));
  });

  it('clamps to the maximum multiplier', () => {
    // conf 0.9 -> 1.4; ATR 0.25 % -> 4; 5.6 clamps to 2 -> 100.
    const d = policy(cfg).policy.evaluateEntry(request({ probability: 0.9, atr: 0.25 }), account());
    expect(d.ok && d.sizing.notionalUsd).toBeCloseTo(100, 9);
  });

  it('clamps to the minimum multiplier, then the minimum-margin rule upsizes', () => {
    // conf 0.62 -> 1.12; ATR 5 % -> 0.2; 0.224 clamps to 0.5 -> 25 USD -> margin 8.33 < 10 -> 30 USD.
    const d = policy(cfg).policy.evaluateEntry(request({ probability: 0.62, atr: 5 }), account());
    expect(d.ok && d.sizing).toMatchObject({ notionalUsd: 30, marginUsd: 10, upsizedToMinMargin: true, amountBase: 0.3 });
  });
});

describe('smart leverage and margin mode', () => {
  it('scales leverage with confidence and inversely with volatility, whole and within bounds', () => {
    expect(smartLeverage(smart, 0.8, 0.5), '3 x 1.3 x 2 = 7.8 -> 7').toBe(7);
    expect(smartLeverage(smart, 0.8, 4), '3 x 1.3 x 0.25 = 0.975 -> min 1').toBe(1);
    expect(smartLeverage(smart, 1, 0.25), '3 x 1.5 x 4 = 18 -> max 10').toBe(10);
  });

  it('picks cross above the ATR threshold, isolated above the confidence threshold, else the default', () => {
    expect(smartMarginMode(smart, 'isolated', 0.9, 3), 'volatility rule wins').toBe('cross');
    expect(smartMarginMode(smart, 'cross', 0.8, 1)).toBe('isolated');
    expect(smartMarginMode(smart, 'isolated', 0.7, 1)).toBe('isolated');
    expect(smartMarginMode(smart, 'cross', 0.7, 1)).toBe('cross');
  });

  it('is applied by the policy when enabled', () => {
    const { policy: p } = policy({ sizing: { smart: { enabled: true } } });
    const d = p.evaluateEntry(request({ probability: 0.8, atr: 0.5 }), account());
    // ATR 0.5 % -> leverage 7, confidence 0.8 > 0.75 -> isolated; margin 50 / 7 = 7.14 -> upsized to 10 -> 70 USD.
    expect(d.ok && d.sizing).toMatchObject({ leverage: 7, marginMode: 'isolated', notionalUsd: 70, marginUsd: 10, upsizedToMinMargin: true });
  });
});

describe('minimum margin and balance', () => {
  it('upsizes to the minimum margin', () => {
    const d = policy({ sizing: { fixedNotionalUsd: 20 } }).policy.evaluateEntry(request(), account());
    // 20 / 3 = 6.67 < 10 -> 10 x 3 = 30 USD.
    expect(d.ok && d.sizing).toMatchObject({ notionalUsd: 30, marginUsd: 10, amountBase: 0.3, upsizedToMinMargin: true });
  });

  it('refuses below the minimum margin when upsizing is off', () => {
    const d = policy({ sizing: { fixedNotionalUsd: 20, upsizeToMinMargin: false } }).policy.evaluateEntry(request(), account());
    expect(d).toMatchObject({ ok: false, reason: 'min_margin', details: { minMarginUsd: 10, leverage: 3, notionalUsd: 20 } });
  });

  it('refuses when the margin exceeds the available balance, unless the check is off', () => {
    const poor = account({ availableBalanceUsd: 10 });
    expect(policy().policy.evaluateEntry(request(), poor)).toMatchObject({ ok: false, reason: 'insufficient_balance', details: { availableBalanceUsd: 10 } });
    expect(policy({ sizing: { checkBalance: false } }).policy.evaluateEntry(request(), poor).ok).toBe(true);
  });
});

describe('invalid orders', () => {
  it.each([
    ['entryPrice', request({ entryPrice: 0 })],
    ['atr', request({ atr: Number.NaN })],
    ['atr', request({ atr: 0 })],
    ['stopPrice', request({ stopPrice: 101 })],
    ['stopPrice', request({ side: 'short', stopPrice: 99 })],
    ['stopPrice', request({ atr: 90 })],
    ['riskMultiplier', request({ riskMultiplier: -1 })],
  ])('refuses a bad %s with the field named', (field, req) => {
    const d = policy().policy.evaluateEntry(req, account());
    expect(d).toMatchObject({ ok: false, reason: 'invalid_order', details: { field } });
    expect(!d.ok && d.message).toContain(field);
  });

  it("takes a ticket's notional as asked: no mode, regime or confidence scaling, never upsized", () => {
    const dyn = policy({ ...roomy, sizing: { mode: 'dynamic', minMarginUsd: 10 } }).policy;
    const asked = dyn.evaluateEntry(request({ manualNotionalUsd: 200, riskMultiplier: 0.5, probability: 0.95 }), account());
    expect(asked.ok && asked.sizing).toMatchObject({ mode: 'manual', notionalUsd: 200, amountBase: 2, leverage: 3, marginUsd: 200 / 3, upsizedToMinMargin: false });
    const tiny = dyn.evaluateEntry(request({ manualNotionalUsd: 20 }), account());
    expect(!tiny.ok && tiny.reason, '6.67 USD margin under 10: refused, not resized').toBe('min_margin');
    expect(!tiny.ok && tiny.message).toContain('ask for at least 30.00 USD');
    const over = policy({ ...roomy, sizing: { maxManualNotionalUsd: 150 } }).policy.evaluateEntry(request({ manualNotionalUsd: 200 }), account());
    expect(!over.ok && over.details).toEqual({ notionalUsd: 200, maxManualNotionalUsd: 150 });
    expect(dyn.evaluateEntry(request({ manualNotionalUsd: Number.NaN }), account()).ok, 'a NaN notional is refused').toBe(false);
  });

  it('allows ATR 0 in fixed mode when an explicit stop is given', () => {
    expect(policy().policy.evaluateEntry(request({ atr: 0, stopPrice: 98 }), account()).ok).toBe(true);
  });
});
