import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { RiskRejectedError } from '../../src/core/errors.js';
import { RiskConfigSchema, RiskRejectReason, panicFileCheck, riskRejectionError, type DailyAnchor, type RiskDecision, type RiskLastEntry } from '../../src/risk/index.js';
import { account, NOON_MS, policy, request } from './fixtures.js';

function reasonOf(d: RiskDecision | { ok: true }): string | undefined {
  return d.ok ? undefined : d.reason;
}
const pos = (symbol: string, notionalUsd = 50, side: 'long' | 'short' = 'long', sizeBase?: number) => ({ symbol, side, notionalUsd, sizeBase });

describe('gates', () => {
  it('kill switch from the setting or the injected check blocks entries', () => {
    expect(reasonOf(policy({ gates: { killSwitch: true } }).policy.evaluateEntry(request(), account()))).toBe('kill_switch');
    let on = true;
    const { policy: p } = policy({}, { isKillSwitchOn: () => on });
    const d = p.evaluateEntry(request(), account());
    expect(reasonOf(d)).toBe('kill_switch');
    expect(!d.ok && d.details).toEqual({ source: 'external' });
    on = false;
    expect(p.evaluateEntry(request(), account()).ok, 'turning it off takes effect at once').toBe(true);
  });

  it('kill switch via the .panic file in the home', () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-risk-'));
    try {
      const { policy: p } = policy({}, { isKillSwitchOn: panicFileCheck(home) });
      expect(p.evaluateEntry(request(), account()).ok).toBe(true);
      writeFileSync(join(home, '.panic'), '');
      expect(reasonOf(p.evaluateEntry(request(), account()))).toBe('kill_switch');
      rmSync(join(home, '.panic'));
      expect(p.evaluateEntry(request(), account()).ok).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('score, probability and quote volume minimums pass at the threshold and refuse below', () => {
    const { policy: p } = policy();
    expect(p.evaluateEntry(request({ score: 5, probability: 0.62, quoteVolume24hUsd: 400_000 }), account()).ok, 'thresholds are inclusive').toBe(true);
    expect(reasonOf(p.evaluateEntry(request({ score: 4.99 }), account()))).toBe('min_score');
    expect(reasonOf(p.evaluateEntry(request({ score: Number.NaN }), account())), 'NaN never passes').toBe('min_score');
    expect(reasonOf(p.evaluateEntry(request({ probability: 0.61 }), account()))).toBe('min_probability');
    const heuristic = p.evaluateEntry(request({ probability: 0.61, probabilityCalibrated: false }), account());
    expect(!heuristic.ok && heuristic.message, 'an uncalibrated figure is not called a probability').toMatch(/uncalibrated probability \(a mapping of the score, not a measured chance\) 0\.61 is below 0\.62/);
    expect(!heuristic.ok && heuristic.details.calibrated).toBe(false);
    const d = p.evaluateEntry(request({ quoteVolume24hUsd: 399_999 }), account());
    expect(reasonOf(d)).toBe('min_quote_volume');
    expect(!d.ok && d.details).toEqual({ symbol: 'BTC/USDT:USDT', quoteVolume24hUsd: 399_999, minQuoteVolume24hUsd: 400_000 });
  });

  it('manipulation ceiling refuses above it; unknown scores and a null ceiling pass', () => {
    const { policy: p } = policy();
    expect(p.evaluateEntry(request({ manipScore: 70 }), account()).ok).toBe(true);
    expect(reasonOf(p.evaluateEntry(request({ manipScore: 70.5 }), account()))).toBe('manip_score');
    expect(p.evaluateEntry(request({ manipScore: null }), account()).ok).toBe(true);
    expect(policy({ gates: { maxManipScore: null } }).policy.evaluateEntry(request({ manipScore: 99 }), account()).ok).toBe(true);
  });

  it('cooldown per symbol, with the time left', () => {
    const { policy: p } = policy();
    const recent = account({ lastTradeAtMs: { 'BTC/USDT:USDT': NOON_MS - 60_000 } });
    const d = p.evaluateEntry(request(), recent);
    expect(reasonOf(d)).toBe('cooldown');
    expect(!d.ok && d.details).toMatchObject({ remainingMs: 60_000, cooldownMs: 120_000 });
    expect(p.evaluateEntry(request({ symbol: 'ETH/USDT:USDT' }), recent).ok, 'other symbols are not cooled').toBe(true);
    expect(p.evaluateEntry(request(), account({ lastTradeAtMs: { 'BTC/USDT:USDT': NOON_MS - 120_000 } })).ok, 'ends exactly at cooldownMs').toBe(true);
  });

  it('one position per symbol, and the setting that allows more', () => {
    const holding = account({ openPositions: [pos('BTC/USDT:USDT')] });
    expect(reasonOf(policy().policy.evaluateEntry(request(), holding))).toBe('position_open');
    expect(policy({ gates: { singlePositionPerSymbol: false } }).policy.evaluateEntry(request(), holding).ok).toBe(true);
  });

  it('maximum positions', () => {
    const six = account({ openPositions: ['A', 'B', 'C', 'D', 'E', 'F'].map((s) => pos(`${s}/USDT:USDT`, 10)) });
    const d = policy().policy.evaluateEntry(request(), six);
    expect(reasonOf(d)).toBe('max_positions');
    expect(!d.ok && d.details).toEqual({ openPositions: 6, maxPositions: 6 });
    expect(policy().policy.evaluateEntry(request(), account({ openPositions: six.openPositions.slice(1) })).ok).toBe(true);
  });

  it('maximum exposure counts open notional plus the new order', () => {
    const { policy: p } = policy();
    const d = p.evaluateEntry(request(), account({ openPositions: [pos('ETH/USDT:USDT', 460)] }));
    expect(reasonOf(d)).toBe('max_exposure');
    expect(!d.ok && d.details).toEqual({ exposureUsd: 460, notionalUsd: 50, maxExposureUsd: 500 });
    expect(p.evaluateEntry(request(), account({ openPositions: [pos('ETH/USDT:USDT', 450)] })).ok, '450 + 50 = 500 is allowed').toBe(true);
    expect(reasonOf(p.evaluateEntry(request(), account({ exposureUsd: 480 }))), 'explicit exposure includes orders in flight').toBe('max_exposure');
  });

  it('pyramiding needs an open same-side position and skips the cooldown and position gates', () => {
    const { policy: p } = policy();
    expect(reasonOf(p.evaluateEntry(request({ intent: 'pyramid' }), account()))).toBe('no_position');
    expect(reasonOf(p.evaluateEntry(request({ intent: 'pyramid' }), account({ openPositions: [pos('BTC/USDT:USDT', 50, 'short')] })))).toBe('no_position');
    const holding = account({ openPositions: [pos('BTC/USDT:USDT')], lastTradeAtMs: { 'BTC/USDT:USDT': NOON_MS - 1_000 } });
    expect(p.evaluateEntry(request({ intent: 'pyramid' }), holding).ok).toBe(true);
    expect(reasonOf(p.evaluateEntry(request({ intent: 'pyramid' }), { ...holding, exposureUsd: 460 })), 'exposure still counts').toBe('max_exposure');
  });
});

describe('daily loss limit', () => {
  it('anchors at the first check of the UTC day and refuses once down by the limit', async () => {
    const anchors: DailyAnchor[] = [];
    const { policy: p, clock } = policy({}, { onAnchor: (a) => anchors.push(a) });
    expect(p.evaluateEntry(request(), account({ equityUsd: 1_000 })).ok).toBe(true);
    expect(p.dailyAnchor()).toEqual({ dayStartMs: Date.UTC(2024, 2, 10), equityUsd: 1_000 });
    await clock.advanceTo(Date.UTC(2024, 2, 10, 18));
    expect(p.evaluateEntry(request(), account({ equityUsd: 1_200 })).ok).toBe(true);
    expect(p.dailyAnchor()?.equityUsd, 'a later, higher equity does not move the anchor').toBe(1_000);
    expect(p.evaluateEntry(request(), account({ equityUsd: 941 })).ok, '5.9 % down').toBe(true);
    const d = p.evaluateEntry(request(), account({ equityUsd: 940 }));
    expect(reasonOf(d), '6 % down').toBe('daily_loss_limit');
    expect(!d.ok && d.details).toMatchObject({ anchorEquityUsd: 1_000, equityUsd: 940, limitPct: 6 });
    expect(!d.ok && (d.details.lossPct as number)).toBeCloseTo(6, 9);

    await clock.advanceTo(Date.UTC(2024, 2, 10, 23, 59, 59, 999));
    expect(reasonOf(p.evaluateEntry(request(), account({ equityUsd: 940 }))), 'still the same UTC day').toBe('daily_loss_limit');
    await clock.advanceTo(Date.UTC(2024, 2, 11));
    expect(p.evaluateEntry(request(), account({ equityUsd: 940 })).ok, 'a new UTC day re-anchors at 940').toBe(true);
    expect(anchors).toEqual([
      { dayStartMs: Date.UTC(2024, 2, 10), equityUsd: 1_000 },
      { dayStartMs: Date.UTC(2024, 2, 11), equityUsd: 940 },
    ]);
  });

  it('keeps a persisted anchor across a restart on the same day', () => {
    const { policy: p } = policy({}, { initialAnchor: { dayStartMs: Date.UTC(2024, 2, 10), equityUsd: 1_000 } });
    expect(reasonOf(p.evaluateEntry(request(), account({ equityUsd: 900 })))).toBe('daily_loss_limit');
    const { policy: stale } = policy({}, { initialAnchor: { dayStartMs: Date.UTC(2024, 2, 9), equityUsd: 1_000 } });
    expect(stale.evaluateEntry(request(), account({ equityUsd: 900 })).ok, "yesterday's anchor is replaced").toBe(true);
  });

  it('refuses a bad equity reading without letting it become the anchor', () => {
    const { policy: p } = policy();
    expect(p.evaluateEntry(request(), account({ equityUsd: Number.NaN }))).toMatchObject({ ok: false, reason: 'invalid_order', details: { field: 'equityUsd' } });
    expect(p.dailyAnchor()).toBeNull();
    expect(p.evaluateEntry(request(), account({ equityUsd: 1_000 })).ok).toBe(true);
    expect(p.dailyAnchor()?.equityUsd).toBe(1_000);
  });

  it('is off when the limit is null', () => {
    const { policy: p } = policy({ gates: { dailyLossLimitPct: null } }, { initialAnchor: { dayStartMs: Date.UTC(2024, 2, 10), equityUsd: 1_000 } });
    expect(p.evaluateEntry(request(), account({ equityUsd: 500, availableBalanceUsd: 500 })).ok).toBe(true);
  });
});

describe('funding window', () => {
  const funding = (rate: number, inMs: number) => ({ funding: { rate, nextFundingTimeMs: NOON_MS + inMs } });

  it('refuses an entry that would pay the coming funding within the window, on the paying side only', () => {
    const { policy: p } = policy();
    const longPays = p.evaluateEntry(request(funding(0.0003, 240_000)), account());
    expect(reasonOf(longPays), 'a long pays a positive rate 4 minutes out').toBe('funding_window');
    expect(!longPays.ok && longPays.details).toMatchObject({ side: 'long', fundingRate: 0.0003, untilMs: 240_000, windowMs: 300_000 });
    expect(!longPays.ok && longPays.message).toContain('would pay 0.0300 % funding in 240 s');
    expect(p.evaluateEntry(request({ side: 'short', ...funding(0.0003, 240_000) }), account()).ok, 'a short is paid it').toBe(true);
    expect(reasonOf(p.evaluateEntry(request({ side: 'short', ...funding(-0.0002, 240_000) }), account())), 'a short pays a negative rate').toBe('funding_window');
  });

  it('lets entries through outside the window, after a stale settlement, without a reading, or when off', () => {
    const { policy: p } = policy();
    expect(p.evaluateEntry(request(funding(0.0003, 301_000)), account()).ok, 'beyond the window').toBe(true);
    expect(p.evaluateEntry(request(funding(0.0003, -1_000)), account()).ok, 'a settlement already past is not a coming one').toBe(true);
    expect(p.evaluateEntry(request({ funding: null }), account()).ok, 'unknown funding').toBe(true);
    expect(policy({ gates: { fundingAvoidWindowMs: 0 } }).policy.evaluateEntry(request(funding(0.0003, 60_000)), account()).ok, 'window 0 is off').toBe(true);
    const threshold = policy({ gates: { fundingAvoidMinRatePct: 0.05 } }).policy;
    expect(threshold.evaluateEntry(request(funding(0.0003, 60_000)), account()).ok, '0.03 % is under a 0.05 % threshold').toBe(true);
    expect(reasonOf(threshold.evaluateEntry(request(funding(0.0006, 60_000)), account())), '0.06 % is over it').toBe('funding_window');
  });
});

describe('order-flow floors', () => {
  const flow = { tradesPerMin: 2, notionalPerMinUsd: 8_000, depthUsd: 20_000 };
  const seed = { minTradesPerMin: 0.3, minNotionalPerMinUsd: 5_000, minDepthUsd: 10_000 };

  it('refuse the first floor a symbol misses, naming the field, its value and the floor', () => {
    const { policy: p } = policy({ gates: seed });
    expect(p.evaluateEntry(request({ orderFlow: flow }), account()).ok).toBe(true);
    const slow = p.evaluateEntry(request({ orderFlow: { ...flow, tradesPerMin: 0.1 } }), account());
    expect(!slow.ok && slow.details).toEqual({ symbol: 'BTC/USDT:USDT', field: 'tradesPerMin', value: 0.1, min: 0.3 });
    const shallow = p.evaluateEntry(request({ orderFlow: { ...flow, depthUsd: 4_321.5 } }), account());
    expect(reasonOf(shallow)).toBe('order_flow');
    expect(!shallow.ok && shallow.message).toBe('Order refused: BTC/USDT:USDT is too thin to trade: depthUsd is 4322, minimum 10000 USD of depth within 50 bps');
    const unseen = p.evaluateEntry(request({ orderFlow: null }), account());
    expect(!unseen.ok && unseen.message, 'looked for and not found is refused').toContain('no order flow was seen');
  });

  it('do not apply to a caller that measures no order flow, nor when off', () => {
    expect(policy({ gates: seed }).policy.evaluateEntry(request(), account()).ok, 'a backtest carries none').toBe(true);
    expect(policy().policy.evaluateEntry(request({ orderFlow: null }), account()).ok, 'every floor off by default').toBe(true);
  });
});

describe('per-symbol cap', () => {
  it('counts the open position with the new order, so pyramid adds meet it too', () => {
    const { policy: p } = policy({ gates: { maxSymbolNotionalUsd: 120 } });
    expect(p.evaluateEntry(request(), account()).ok, '50 USD alone').toBe(true);
    const held = account({ openPositions: [pos('BTC/USDT:USDT', 80)] });
    const add = p.evaluateEntry(request({ intent: 'pyramid' }), held);
    expect(reasonOf(add), '80 held + 50 added > 120').toBe('max_symbol_notional');
    expect(!add.ok && add.details).toEqual({ symbol: 'BTC/USDT:USDT', heldUsd: 80, notionalUsd: 50, maxSymbolNotionalUsd: 120 });
    expect(p.evaluateEntry(request({ symbol: 'ETH/USDT:USDT' }), held).ok, 'another symbol is not capped by it').toBe(true);
  });
});

describe('structural reset', () => {
  const last = (over: Partial<RiskLastEntry> = {}): RiskLastEntry => ({ side: 'long', price: 100, atr: 2, maxMoveAtr: 0, atMs: NOON_MS, ...over });

  it('holds a same-side re-entry until the price has travelled the set ATR from the last entry', () => {
    const { policy: p } = policy({ gates: { structuralResetAtr: 1 } });
    const held = p.evaluateEntry(request({ entryPrice: 101, lastEntry: last({ maxMoveAtr: 0.9 }) }), account());
    expect(reasonOf(held), 'at most 0.9 ATR since the entry').toBe('structural_reset');
    expect(!held.ok && held.details).toMatchObject({ lastEntryPrice: 100, movedAtr: 0.9, structuralResetAtr: 1 });
    expect(p.evaluateEntry(request({ entryPrice: 101, lastEntry: last({ maxMoveAtr: 1 }) }), account()).ok, 'travelled 1 ATR and came back').toBe(true);
    expect(p.evaluateEntry(request({ entryPrice: 102.5, lastEntry: last() }), account()).ok, 'this entry is itself 1.25 ATR away').toBe(true);
  });

  it('leaves the other side, pyramid adds, first entries and the setting off alone', () => {
    const { policy: p } = policy({ gates: { structuralResetAtr: 1 } });
    expect(p.evaluateEntry(request({ side: 'short', stopPrice: null, lastEntry: last() }), account()).ok, 'a reversal is a new structure').toBe(true);
    expect(p.evaluateEntry(request({ lastEntry: null }), account()).ok, 'no previous entry').toBe(true);
    const add = p.evaluateEntry(request({ intent: 'pyramid', lastEntry: last() }), account({ openPositions: [pos('BTC/USDT:USDT')] }));
    expect(reasonOf(add) === 'structural_reset', 'adds have their own spacing').toBe(false);
    expect(policy().policy.evaluateEntry(request({ lastEntry: last() }), account()).ok, 'off by default').toBe(true);
  });
});

describe('exits', () => {
  it('pass with the kill switch on, need a position, and may not exceed it', () => {
    const { policy: p } = policy({ gates: { killSwitch: true } });
    const holding = account({ openPositions: [pos('BTC/USDT:USDT', 50, 'long', 0.5)] });
    expect(p.evaluateExit({ symbol: 'BTC/USDT:USDT', positionSide: 'long', amountBase: 0.5 }, holding).ok).toBe(true);
    expect(reasonOf(p.evaluateExit({ symbol: 'BTC/USDT:USDT', positionSide: 'short', amountBase: 0.5 }, holding))).toBe('no_position');
    expect(reasonOf(p.evaluateExit({ symbol: 'ETH/USDT:USDT', positionSide: 'long', amountBase: 0.1 }, holding))).toBe('no_position');
    expect(reasonOf(p.evaluateExit({ symbol: 'BTC/USDT:USDT', positionSide: 'long', amountBase: 0.6 }, holding))).toBe('exceeds_position');
  });
});

describe('rejections', () => {
  it('become RiskRejectedError with the reason in details; the kill switch has its own code', () => {
    const kill = policy({ gates: { killSwitch: true } }).policy.evaluateEntry(request(), account());
    const cooldown = policy().policy.evaluateEntry(request(), account({ lastTradeAtMs: { 'BTC/USDT:USDT': NOON_MS } }));
    if (kill.ok || cooldown.ok) throw new Error('expected rejections');
    const e1 = riskRejectionError(kill);
    expect(e1).toBeInstanceOf(RiskRejectedError);
    expect(e1.code).toBe(ErrorCode.KillSwitchActive);
    const e2 = riskRejectionError(cooldown);
    expect(e2.code).toBe(ErrorCode.RiskRejected);
    expect(e2.details).toMatchObject({ reason: 'cooldown', remainingMs: 120_000 });
  });

  const scenarios: Record<RiskRejectReason, () => RiskDecision | { ok: true }> = {
    kill_switch: () => policy({ gates: { killSwitch: true } }).policy.evaluateEntry(request(), account()),
    daily_loss_limit: () =>
      policy({}, { initialAnchor: { dayStartMs: Date.UTC(2024, 2, 10), equityUsd: 1_000 } }).policy.evaluateEntry(request(), account({ equityUsd: 900 })),
    min_score: () => policy().policy.evaluateEntry(request({ score: 1 }), account()),
    min_probability: () => policy().policy.evaluateEntry(request({ probability: 0.5 }), account()),
    min_quote_volume: () => policy().policy.evaluateEntry(request({ quoteVolume24hUsd: 1 }), account()),
    manip_score: () => policy().policy.evaluateEntry(request({ manipScore: 95 }), account()),
    cooldown: () => policy().policy.evaluateEntry(request(), account({ lastTradeAtMs: { 'BTC/USDT:USDT': NOON_MS } })),
    position_open: () => policy().policy.evaluateEntry(request(), account({ openPositions: [pos('BTC/USDT:USDT')] })),
    max_positions: () => policy({ gates: { maxPositions: 1 } }).policy.evaluateEntry(request(), account({ openPositions: [pos('ETH/USDT:USDT')] })),
    invalid_order: () => policy().policy.evaluateEntry(request({ entryPrice: -1 }), account()),
    min_margin: () => policy({ sizing: { fixedNotionalUsd: 6, upsizeToMinMargin: false } }).policy.evaluateEntry(request(), account()),
    max_exposure: () => policy({ gates: { maxExposureUsd: 40 } }).policy.evaluateEntry(request(), account()),
    insufficient_balance: () => policy().policy.evaluateEntry(request(), account({ availableBalanceUsd: 1 })),
    no_position: () => policy().policy.evaluateExit({ symbol: 'BTC/USDT:USDT', positionSide: 'long', amountBase: 1 }, account()),
    exceeds_position: () =>
      policy().policy.evaluateExit({ symbol: 'BTC/USDT:USDT', positionSide: 'long', amountBase: 1 }, account({ openPositions: [pos('BTC/USDT:USDT', 50, 'long', 0.5)] })),
    funding_window: () => policy().policy.evaluateEntry(request({ funding: { rate: 0.0005, nextFundingTimeMs: NOON_MS + 60_000 } }), account()),
    order_flow: () => policy({ gates: { minDepthUsd: 10_000 } }).policy.evaluateEntry(request({ orderFlow: { tradesPerMin: 5, notionalPerMinUsd: 9_000, depthUsd: 2_000 } }), account()),
    max_symbol_notional: () => policy({ gates: { maxSymbolNotionalUsd: 40 } }).policy.evaluateEntry(request(), account()),
    max_manual_notional: () => policy().policy.evaluateEntry(request({ manualNotionalUsd: 501 }), account()),
    structural_reset: () =>
      policy({ gates: { structuralResetAtr: 1 } }).policy.evaluateEntry(request({ lastEntry: { side: 'long', price: 100, atr: 2, maxMoveAtr: 0.4, atMs: NOON_MS } }), account()),
  };

  it.each(Object.values(RiskRejectReason))('%s carries its reason, a message and details', (reason) => {
    const d = scenarios[reason]();
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.reason).toBe(reason);
    expect(d.message.length, 'a human-readable message').toBeGreaterThan(10);
    expect(Object.keys(d.details).length, 'machine-readable details').toBeGreaterThan(0);
  });
});

describe('config', () => {
  it('has the seed defaults', () => {
    const c = RiskConfigSchema.parse({});
    expect(c.gates).toEqual({
      killSwitch: false,
      minScore: 5,
      minProbability: 0.62,
      minQuoteVolume24hUsd: 400_000,
      cooldownMs: 120_000,
      maxPositions: 6,
      maxExposureUsd: 500,
      singlePositionPerSymbol: true,
      dailyLossLimitPct: 6,
      maxManipScore: 70,
      fundingAvoidWindowMs: 300_000,
      fundingAvoidMinRatePct: 0,
      minTradesPerMin: null,
      minNotionalPerMinUsd: null,
      minDepthUsd: null,
      maxSymbolNotionalUsd: null,
      structuralResetAtr: null,
    });
    expect(c.sizing).toMatchObject({ mode: 'fixed', fixedNotionalUsd: 50, leverage: 3, marginMode: 'cross', minMarginUsd: 10, riskPct: 2.5, atrStopMult: 1.2 });
  });

  it('names every bad field', () => {
    const r = RiskConfigSchema.safeParse({ gates: { minProbability: 2, maxPositions: 0 }, sizing: { mode: 'martingale', dynamicMinMult: 3 } });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['gates.minProbability', 'gates.maxPositions', 'sizing.mode']));
    const cross = RiskConfigSchema.safeParse({ sizing: { dynamicMinMult: 3 } });
    expect(cross.error?.issues.map((i) => i.path.join('.'))).toEqual(['sizing.dynamicMinMult']);
  });
});
