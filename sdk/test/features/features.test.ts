import { describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { atr, ema, realizedVol } from '../../src/indicators/index.js';
import {
  candlesToColumns,
  computeFeatures,
  FEATURE_NAMES,
  FeatureTracker,
  featuresAt,
  BatchFeatureReader,
  computeIndicatorColumns,
  computeLatestIndicatorColumns,
  resolveFeatureParams,
  type OhlcvColumns,
  type OrderFlowColumns,
} from '../../src/features/index.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { randomWalkCandles } from '../signals/baseline/dataset.js';

const HOUR = 3_600_000;
const params = resolveFeatureParams();

/** 25 hourly bars: close 100..124, volume alternating 8/12, then a 40-volume bar with wicks. */
function handSeries(): Candle[] {
  const out: Candle[] = [];
  for (let i = 0; i < 25; i++) {
    const close = 100 + i;
    out.push({ openTimeMs: i * HOUR, open: close - 1, high: close + 0.5, low: close - 1.5, close, volume: i % 2 ? 12 : 8 });
  }
  out[24] = { openTimeMs: 24 * HOUR, open: 123, high: 125, low: 122, close: 124, volume: 40 };
  return out;
}

function toColumns(candles: Candle[]): OhlcvColumns {
  return candlesToColumns(candles);
}

function candlesOf(c: OhlcvColumns): Candle[] {
  return Array.from(c.close, (_, i) => ({ openTimeMs: c.openTimeMs[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! }));
}

describe('features on a hand-built series', () => {
  const candles = handSeries();
  const cols = toColumns(candles);
  const f = featuresAt(cols, computeIndicatorColumns(cols, params), 24, params);

  it('returns over 1, 5 and 20 bars', () => {
    expect(f.ret1, 'close 124 over 123').toBeCloseTo(124 / 123 - 1, 14);
    expect(f.ret5, 'close 124 over 119').toBeCloseTo(124 / 119 - 1, 14);
    expect(f.ret20, 'close 124 over 104').toBeCloseTo(124 / 104 - 1, 14);
  });

  it('volume burst and z-score against the 20 preceding bars', () => {
    expect(f.volumeBurst, 'mean of 8/12 alternating is 10, so 40 is a 4x burst').toBeCloseTo(4, 12);
    expect(f.volumeZ, 'population sd of 8/12 alternating is 2: (40 - 10) / 2').toBeCloseTo(15, 12);
  });

  it('wick ratios of the last bar (open 123, close 124, high 125, low 122)', () => {
    expect(f.upperWickRatio, 'upper wick 1 of range 3').toBeCloseTo(1 / 3, 14);
    expect(f.lowerWickRatio, 'lower wick 1 of range 3').toBeCloseTo(1 / 3, 14);
    expect(f.wickRatio).toBeCloseTo(2 / 3, 14);
  });

  it('ATR%, velocity, EMA slope and vol ratio from the indicator values', () => {
    const a = atr(cols.high, cols.low, cols.close, 14)[24]!;
    const e = ema(cols.close, 21);
    expect(f.atr).toBe(a);
    expect(f.atrPct, 'ATR over close').toBeCloseTo(a / 124, 14);
    expect(f.velocity, 'close rose 3 over 3 bars: 1 per bar, in ATRs').toBeCloseTo(1 / a, 12);
    expect(f.emaSlope, 'EMA21 at 24 vs at 16 is NaN-seeded: EMA21 is warm from bar 20 only').toBeNaN();
    expect(Number.isNaN(e[16]!), 'EMA21 not warm at bar 16').toBe(true);
    const rvS = realizedVol(cols.close, 10)[24]!;
    expect(f.realizedVolShort).toBe(rvS);
    expect(f.volRatio, 'RV(50) is not warm after 25 bars').toBeNaN();
  });

  it('Donchian prev is the channel as of the previous bar', () => {
    expect(f.donchianUpperPrev, 'highest high of bars 4..23: bar 23 high 123.5').toBe(123.5);
    expect(f.donchianUpper, 'bar 24 high 125 joins').toBe(125);
  });

  it('EMA slope once the EMA is warm: relative change per bar over the lookback', () => {
    const long = candlesToColumns(
      Array.from({ length: 40 }, (_, i) => ({ openTimeMs: i * HOUR, open: 100 + i, high: 101 + i, low: 99 + i, close: 100 + i, volume: 1 })),
    );
    const e = ema(long.close, 21);
    const row = featuresAt(long, computeIndicatorColumns(long, params), 39, params);
    expect(row.emaSlope, '(ema[39] - ema[31]) / ema[31] / 8').toBeCloseTo((e[39]! - e[31]!) / e[31]! / 8, 14);
    expect(row.emaSlope, 'rising closes give a positive slope').toBeGreaterThan(0);
  });

  it('volatility regime: short over long realized volatility', () => {
    // Quiet 1 % moves for 50 bars, then 10 bars of 4 % moves: short-window volatility expands.
    const closes = Array.from({ length: 60 }, (_, i) => 100 * Math.exp((i < 50 ? 0.01 : 0.04) * (i % 2 ? 1 : -1)));
    const cols = candlesToColumns(closes.map((c, i) => ({ openTimeMs: i * HOUR, open: c, high: c * 1.001, low: c * 0.999, close: c, volume: 1 })));
    const row = featuresAt(cols, computeIndicatorColumns(cols, params), 59, params);
    const short = realizedVol(cols.close, 10)[59]!;
    const long = realizedVol(cols.close, 50)[59]!;
    expect(row.volRatio).toBeCloseTo(short / long, 14);
    expect(row.volRatio, 'the last 10 returns are the large ones').toBeGreaterThan(1.5);
  });
});

describe('order-flow features', () => {
  it('imbalance, depth-to-volume, funding and OI deltas when supplied; NaN when not', () => {
    const candles = handSeries();
    const cols = toColumns(candles);
    const n = candles.length;
    const nan = () => new Float64Array(n).fill(Number.NaN);
    const flow: OrderFlowColumns = { imbalance: nan(), depthUsd: nan(), fundingRate: nan(), openInterest: nan() };
    flow.imbalance![24] = 0.3;
    flow.depthUsd![24] = 5000;
    flow.fundingRate![23] = 0.0001;
    flow.fundingRate![24] = 0.0003;
    flow.openInterest![23] = 1000;
    flow.openInterest![24] = 1100;
    const f = featuresAt(cols, computeIndicatorColumns(cols, params), 24, params, flow);
    expect(f.flowImbalance).toBe(0.3);
    expect(f.depthToVolume, 'depth 5000 over quote volume 40 * 124').toBeCloseTo(5000 / (40 * 124), 14);
    expect(f.fundingDelta).toBeCloseTo(0.0002, 15);
    expect(f.oiDelta).toBeCloseTo(0.1, 14);
    const without = featuresAt(cols, computeIndicatorColumns(cols, params), 24, params);
    for (const k of ['flowImbalance', 'depthToVolume', 'fundingRate', 'fundingDelta', 'oiDelta'] as const) {
      expect(without[k], `${k} without order flow`).toBeNaN();
    }
  });
});

describe('batch and incremental forms agree', () => {
  function agree(cols: OhlcvColumns, flow?: OrderFlowColumns): void {
    const batch = computeFeatures(cols, params, flow);
    const tracker = new FeatureTracker(params);
    const candles = candlesOf(cols);
    const mismatches: string[] = [];
    candles.forEach((c, t) => {
      const input = flow
        ? {
            imbalance: Number.isNaN(flow.imbalance![t]!) ? undefined : flow.imbalance![t]!,
            depthUsd: Number.isNaN(flow.depthUsd![t]!) ? undefined : flow.depthUsd![t]!,
            fundingRate: Number.isNaN(flow.fundingRate![t]!) ? undefined : flow.fundingRate![t]!,
            openInterest: Number.isNaN(flow.openInterest![t]!) ? undefined : flow.openInterest![t]!,
          }
        : undefined;
      const row = tracker.update(c, input);
      for (const name of FEATURE_NAMES) {
        const b = batch[name][t]!;
        const s = row[name];
        const same = Number.isNaN(b) ? Number.isNaN(s) : Math.abs(s - b) <= 1e-9 * Math.max(1, Math.abs(b));
        if (!same) mismatches.push(`${name} at bar ${t}: incremental ${s} vs batch ${b}`);
      }
    });
    expect(mismatches.slice(0, 5), 'incremental equals batch within 1e-9 (NaN where batch is NaN)').toEqual([]);
    expect(tracker.barCount).toBe(cols.close.length);
  }

  it('on random walks, every feature at every bar (1e-9)', () => {
    for (const seed of [1, 2, 3]) agree(randomWalkCandles(seed, 400, 0, HOUR));
  });

  it('with order flow that is sometimes missing', () => {
    const cols = randomWalkCandles(9, 200, 0, HOUR);
    const n = cols.close.length;
    const col = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => (i % 7 === 3 ? Number.NaN : f(i)));
    agree(cols, {
      imbalance: col((i) => Math.sin(i) * 0.5),
      depthUsd: col((i) => 1e5 + i),
      fundingRate: col((i) => 0.0001 * Math.cos(i)),
      openInterest: col((i) => 1e6 + 1000 * i),
    });
  });
});

describe('latest-bar columns for cold evaluation', () => {
  it('give the full columns\' features on the last two bars', () => {
    const cols = randomWalkCandles(5, 300, 0, HOUR);
    const full = new BatchFeatureReader(cols, computeIndicatorColumns(cols, params), params);
    const latest = new BatchFeatureReader(cols, computeLatestIndicatorColumns(cols, params), params);
    for (const t of [298, 299]) {
      const a = full.rowAt(t);
      const b = latest.rowAt(t);
      for (const name of FEATURE_NAMES) {
        if (Number.isNaN(a[name])) expect(b[name], `${name} at bar ${t}: NaN in both`).toBeNaN();
        else expect(Math.abs(a[name] - b[name]), `${name} at bar ${t}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a[name])));
      }
    }
  });
});

describe('bad input', () => {
  it('the tracker rejects a bar that is not after the previous one and keeps its state', () => {
    const tracker = new FeatureTracker(params);
    const [a, b] = handSeries();
    tracker.update(a!);
    expect(() => tracker.update(a!), 'a duplicate timestamp').toThrow(InvalidInputError);
    expect(() => tracker.update({ ...b!, close: Number.NaN }), 'a NaN close').toThrow(/close/);
    expect(() => tracker.update({ ...b!, volume: -1 }), 'negative volume').toThrow(/volume/);
    expect(tracker.barCount, 'rejected bars leave no trace').toBe(1);
    expect(tracker.update(b!).close).toBe(b!.close);
  });

  it('candlesToColumns names the bad candle', () => {
    const candles = handSeries();
    candles[3] = { ...candles[3]!, openTimeMs: candles[2]!.openTimeMs };
    expect(() => candlesToColumns(candles, 'BTC 1h')).toThrow(/BTC 1h\[3\]\.openTimeMs/);
  });

  it('parameters are validated with defaults filled', () => {
    expect(resolveFeatureParams().emaFastPeriod).toBe(21);
    expect(() => resolveFeatureParams({ emaFastPeriod: 60, emaSlowPeriod: 50 })).toThrow(/emaFastPeriod/);
    expect(() => resolveFeatureParams({ atrPeriod: 0 })).toThrow(/atrPeriod/);
  });
});
