import { describe, expect, it } from 'vitest';
import { analyzeSnapshot, scoreManipulation, FLAG_NAMES, type FlagName, type ManipResult } from '../../src/manipulation/index.js';
import { HOUR_MS, calmBook, calmCandles, setLastBar, snapshotOf, type MutableCandles } from './fixtures.js';

/** Flag names a crafted example in this file has made fire. */
const fired = new Set<FlagName>();

function flagOf(r: ManipResult, name: FlagName) {
  const flag = r.flags.find((f) => f.name === name);
  if (flag) fired.add(flag.name);
  return flag;
}

function lastClose(c: MutableCandles): number {
  return c.close[c.close.length - 1] as number;
}

describe('manipulation radar: calm market', () => {
  it('stays quiet on a calm symbol with every input present', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = scoreManipulation(snapshotOf(calmCandles(200, seed)));
      expect(r.flags.map((f) => f.name), `seed ${seed} calm series`).toEqual([]);
      expect(r.manipScore, 'a calm symbol scores low').toBeLessThan(10);
    }
  });

  it('stays quiet with candles alone (no book, funding, OI, listing)', () => {
    const c = calmCandles(200, 11);
    const r = scoreManipulation({ symbol: 'X', nowMs: c.openTimeMs[199]! + HOUR_MS, barMs: HOUR_MS, candles: c });
    expect(r.flags, 'no inputs, no flags').toEqual([]);
  });
});

describe('manipulation radar: each flag fires on a crafted example', () => {
  it('spoofing_depth_imbalance: one large bid wall behind a thin touch', () => {
    const c = calmCandles();
    const mid = lastClose(c);
    const book = calmBook(mid, 1);
    book.bids[3] = [book.bids[3]![0], 5000];
    const r = scoreManipulation(snapshotOf(c, { book }));
    const f = flagOf(r, 'spoofing_depth_imbalance');
    expect(f, 'wall of 5000 vs 19 levels of 1 on each side').toBeDefined();
    expect(f!.evidence.heavySide).toBe('bid');
    expect(f!.evidence.wallShare as number, 'the wall is ~99.6% of bid depth').toBeGreaterThan(0.99);
    expect(f!.evidence.wallMultiple, '5000 against a median level of 1 (prices differ slightly)').toBeCloseTo(5000, -2);
    expect(f!.evidence.depthImbalance50 as number).toBeGreaterThan(0.99);
    expect(r.manipScore, 'a full-severity flag dominates the score').toBeGreaterThan(90);
  });

  it('liquidity_vacuum: a 60 bps spread', () => {
    const c = calmCandles();
    const r = scoreManipulation(snapshotOf(c, { book: calmBook(lastClose(c), 50, 60) }));
    const f = flagOf(r, 'liquidity_vacuum');
    expect(f, 'spread 60 bps > 30 bps threshold').toBeDefined();
    expect(f!.evidence.spreadBps).toBeCloseTo(60, 1);
    expect(f!.severity, 'twice the threshold is full severity').toBe(1);
  });

  it('liquidity_vacuum: depth under half a minute of volume', () => {
    const c = calmCandles();
    // 24h quote volume ~2.4M USD -> ~1,667 USD a minute; 20 levels x 0.002 x 100 = 4 USD a side.
    const r = scoreManipulation(snapshotOf(c, { book: calmBook(lastClose(c), 0.002) }));
    const f = flagOf(r, 'liquidity_vacuum');
    expect(f, 'a few dollars of depth against thousands a minute').toBeDefined();
    expect(f!.evidence.depthMinutes as number).toBeLessThan(0.01);
  });

  it('scam_wick: an upper wick of 6 ATR that closes back near the open', () => {
    const c = calmCandles();
    const p = c.close[198]!;
    setLastBar(c, { open: p, high: p * 1.03, low: p * 0.999, close: p * 1.0005, volume: 1100 });
    const r = scoreManipulation(snapshotOf(c));
    const f = flagOf(r, 'scam_wick');
    expect(f, 'a 3% wick on a ~0.5% ATR series').toBeDefined();
    expect(f!.evidence.side).toBe('upper');
    expect(f!.evidence.wickAtr as number, 'well over the 3 ATR threshold').toBeGreaterThan(4);
    expect(f!.evidence.wickPct as number).toBeCloseTo(2.95, 1);
  });

  it('exhausted_spike: a 5 ATR volume spike followed by a fading retrace', () => {
    const c = calmCandles();
    const i = 198;
    const p = c.close[i - 1]!;
    c.open[i] = p;
    c.low[i] = p * 0.999;
    c.close[i] = p * 1.04;
    c.high[i] = p * 1.041;
    c.volume[i] = 20_000;
    setLastBar(c, { open: p * 1.04, high: p * 1.04, low: p * 1.01, close: p * 1.012, volume: 3000 });
    const r = scoreManipulation(snapshotOf(c));
    const f = flagOf(r, 'exhausted_spike');
    expect(f, 'spike then 70% retrace on a sixth of the volume').toBeDefined();
    expect(f!.evidence.direction).toBe('up');
    expect(f!.evidence.barsSinceSpike).toBe(1);
    expect(f!.evidence.retraceShare as number).toBeCloseTo(0.7, 2);
    expect(f!.evidence.volumeFade as number).toBeCloseTo(0.15, 2);
  });

  it('funding_divergence: crowded longs paying while price falls 5%', () => {
    const c = calmCandles();
    const n = c.close.length;
    for (let k = 0; k < 24; k++) {
      const i = n - 24 + k;
      const f = 1 - (0.05 * (k + 1)) / 24;
      c.open[i] = c.close[n - 25]! * (f + 0.05 / 24);
      c.close[i] = c.close[n - 25]! * f;
      c.high[i] = c.open[i]! * 1.001;
      c.low[i] = c.close[i]! * 0.999;
    }
    const r = scoreManipulation(snapshotOf(c, { fundingRate: 0.001 }));
    const f = flagOf(r, 'funding_divergence');
    expect(f, '10 bps per 8h against a 5% fall').toBeDefined();
    expect(f!.evidence.fundingAnnualizedPct).toBeCloseTo(109.5, 1);
    expect(f!.evidence.priceMove24hPct as number).toBeCloseTo(-5, 0);
  });

  it('funding_divergence: mark 80 bps above index', () => {
    const c = calmCandles();
    const last = lastClose(c);
    const r = scoreManipulation(snapshotOf(c, { markPrice: last * 1.008, indexPrice: last }));
    expect(flagOf(r, 'funding_divergence')?.evidence.basisBps).toBeCloseTo(80, 1);
  });

  it('oi_price_divergence: open interest +40% over 24 bars with price flat', () => {
    const c = calmCandles();
    const wiggle = (i: number) => 1 + 0.01 * Math.sin(i);
    const oi = c.close.map((_, i) => 50_000 * wiggle(i) * (i >= c.close.length - 24 ? 1 + (0.4 * (i - c.close.length + 25)) / 24 : 1));
    const r = scoreManipulation(snapshotOf(c, { openInterestHistory: oi }));
    const f = flagOf(r, 'oi_price_divergence');
    expect(f, 'leverage built without the price moving').toBeDefined();
    expect(f!.evidence.oiChangePct as number).toBeCloseTo(40, -1);
    expect(f!.evidence.oiChangeZ as number, 'far outside its usual 1% wiggle').toBeGreaterThan(3);
    expect(Math.abs(f!.evidence.priceChangePct as number)).toBeLessThan(2);
  });

  it('post_surge_reversal: +60% in 12 bars, then 70% of it given back', () => {
    const c = calmCandles();
    const n = c.close.length;
    const base = c.close[n - 21]!;
    for (let k = 0; k < 20; k++) {
      const i = n - 20 + k;
      const level = k < 12 ? base * (1 + (0.6 * (k + 1)) / 12) : base * (1.6 - (0.6 * 0.7 * (k - 11)) / 8);
      c.open[i] = c.close[i - 1]!;
      c.close[i] = level;
      c.high[i] = Math.max(c.open[i]!, level) * 1.001;
      c.low[i] = Math.min(c.open[i]!, level) * 0.999;
    }
    const r = scoreManipulation(snapshotOf(c));
    const f = flagOf(r, 'post_surge_reversal');
    expect(f, 'a pump that has been dumped').toBeDefined();
    expect(f!.evidence.surgePct as number).toBeGreaterThan(59);
    expect(f!.evidence.reversalShare as number).toBeGreaterThan(0.65);
    expect(f!.evidence.barsSincePeak).toBe(8);
  });

  it('wash_trade_volume: 15x volume with a range under half an ATR and balanced flow', () => {
    const c = calmCandles();
    const p = c.close[198]!;
    setLastBar(c, { open: p, high: p * 1.0005, low: p * 0.9995, close: p * 1.0002, volume: 15_000 });
    const r = scoreManipulation(snapshotOf(c, { trades: { windowMs: HOUR_MS, buyVolumeBase: 7500, sellVolumeBase: 7500, tradeCount: 20_000 } }));
    const f = flagOf(r, 'wash_trade_volume');
    expect(f, 'volume z far above 4 with no price impact').toBeDefined();
    expect(f!.evidence.volumeZ as number).toBeGreaterThan(20);
    expect(f!.evidence.rangeAtr as number).toBeLessThan(0.5);
    expect(f!.evidence.flowImbalance).toBe(0);
  });

  it('fresh_listing: listed 36 hours ago', () => {
    const c = calmCandles();
    const s = snapshotOf(c);
    const r = scoreManipulation({ ...s, market: { takerFeeRate: 0.0006, makerFeeRate: 0.0002, listedAtMs: s.nowMs - 36 * HOUR_MS } });
    const f = flagOf(r, 'fresh_listing');
    expect(f?.evidence.ageHours).toBe(36);
    expect(f!.severity, 'ratio 2 - 36/168 = 1.786 -> 0.5 + 0.5 * 0.786').toBeCloseTo(0.8929, 4);
  });

  it('oi_price_divergence stays quiet when the symbol OI is always that noisy', () => {
    const c = calmCandles();
    const r = (i: number) => 50_000 * Math.exp(0.3 * Math.sin(i * 1.7) + 0.2 * Math.cos(i * 0.31));
    const oi = c.close.map((_, i) => r(i));
    const res = scoreManipulation(snapshotOf(c, { openInterestHistory: oi }));
    expect(res.flags.map((f) => f.name)).not.toContain('oi_price_divergence');
  });

  it('collapse: a 40% fall on 20x volume closing at its low, with no pump before it', () => {
    const c = calmCandles();
    const prev = c.close[198]!;
    setLastBar(c, { open: prev, high: prev * 1.001, low: prev * 0.598, close: prev * 0.6, volume: 20_000 });
    const f = flagOf(scoreManipulation(snapshotOf(c)), 'collapse');
    expect(f?.evidence.dropPct as number, 'the 40% bar plus at most a few calm 0.3% steps').toBeLessThan(-39.5);
    expect(f?.evidence.dropPct as number).toBeGreaterThan(-41);
    expect(f!.severity).toBe(1);
    const calm = calmCandles();
    expect(scoreManipulation(snapshotOf(calm)).flags.map((x) => x.name), 'the calm series does not collapse').not.toContain('collapse');
  });

  it('pump_onset: a 15% burst on 20x volume; the same close on calm volume stays quiet', () => {
    const c = calmCandles();
    const prev = c.close[198]!;
    setLastBar(c, { open: prev, high: prev * 1.151, low: prev * 0.999, close: prev * 1.15, volume: 20_000 });
    const f = flagOf(scoreManipulation(snapshotOf(c)), 'pump_onset');
    expect(f?.evidence.kind).toBe('burst');
    expect(f?.evidence.movePct).toBeCloseTo(15, 1);
    setLastBar(c, { open: prev, high: prev * 1.151, low: prev * 0.999, close: prev * 1.15, volume: 1000 });
    expect(scoreManipulation(snapshotOf(c)).flags.map((x) => x.name), 'no volume, no burst').not.toContain('pump_onset');
  });

  // Runs after the crafted examples above (tests in a file run in order).
  it('the crafted examples above make every flag name fire', () => {
    expect(new Set(FLAG_NAMES).size, 'no duplicate names').toBe(FLAG_NAMES.length);
    expect([...fired].sort(), 'each name in FLAG_NAMES fired on its example').toEqual([...FLAG_NAMES].sort());
  });

  it('analyzeSnapshot returns the features the ranking reuses', () => {
    const a = analyzeSnapshot(snapshotOf(calmCandles()));
    expect(a.candle?.bars).toBe(200);
    expect(a.book?.spreadBps).toBeCloseTo(2, 6);
  });
});
