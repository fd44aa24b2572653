/**
 * The warm start from columns (`FeatureTracker.seedColumns`, `IncrementalSignalEvaluator.seedFromRing`:
 * what the analyzer seeds from a `CandleRing`) against the bar-by-bar replay over the same bars as
 * candles: the same refused bars with the same errors, and `Object.is`-equal rows after seeding and
 * after every later bar, wherever bad bars fall.
 */
import { describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { FEATURE_NAMES, FeatureTracker, resolveFeatureParams, type FeatureRow, type OhlcvColumns } from '../../src/features/index.js';
import { CandleRing } from '../../src/market/candleRing.js';
import { createSignalEngine, IncrementalSignalEvaluator } from '../../src/signals/index.js';
import { randomWalkCandles } from '../signals/baseline/dataset.js';

const HOUR = 3_600_000;
const params = resolveFeatureParams();

function candlesOf(c: OhlcvColumns): Candle[] {
  return Array.from(c.close, (_, i) => ({ openTimeMs: c.openTimeMs[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! }));
}

function columnsOf(candles: readonly Candle[]): OhlcvColumns {
  const f = (k: keyof Candle) => Float64Array.from(candles, (c) => c[k]);
  return { openTimeMs: f('openTimeMs'), open: f('open'), high: f('high'), low: f('low'), close: f('close'), volume: f('volume') };
}

/** Leaves that differ under `Object.is` (NaN equals NaN, 0 and -0 differ). */
function rowDiff(a: FeatureRow | null, b: FeatureRow | null): string[] {
  if (!a || !b) return a === b ? [] : ['one row missing'];
  return FEATURE_NAMES.filter((n) => !Object.is(a[n], b[n])).map((n) => `${n}: ${a[n]} vs ${b[n]}`);
}

function compare(history: Candle[], next: Candle[], label: string): void {
  const cols = new FeatureTracker(params);
  const replay = new FeatureTracker(params);
  const rc = cols.seedColumns(columnsOf(history));
  const rr = replay.warmUp(history);
  expect(rc.map((r) => [r.index, r.error.message]), `${label}: the same bars refused with the same errors`).toEqual(rr.map((r) => [r.index, r.error.message]));
  const check = (step: string) => {
    expect(cols.barCount, `${label} ${step}: bar count`).toBe(replay.barCount);
    expect(cols.lastBarOpenTimeMs, `${label} ${step}: last open time`).toBe(replay.lastBarOpenTimeMs);
    expect(rowDiff(cols.last, replay.last), `${label} ${step}: last row`).toEqual([]);
    expect(rowDiff(cols.beforeLast, replay.beforeLast), `${label} ${step}: row before last`).toEqual([]);
  };
  check('after seeding');
  next.forEach((c, k) => {
    expect(rowDiff(cols.update(c), replay.update(c)), `${label}: row of next bar ${k}`).toEqual([]);
    check(`next bar ${k}`);
  });
}

describe('FeatureTracker.seedColumns against the bar-by-bar warm-up', () => {
  it.each([0, 1, 2, 3, 29, 500, 1030])('%i bars of history, then 40 more', (bars) => {
    const all = candlesOf(randomWalkCandles(bars * 5 + 1, bars + 40, 0, HOUR));
    compare(all.slice(0, bars), all.slice(bars), `${bars} bars`);
  });

  it('refuses bad bars exactly as the replay does: first, mid-history, several in a row and in the last two', () => {
    const all = candlesOf(randomWalkCandles(41, 340, 0, HOUR));
    const h = all.slice(0, 300);
    h[0] = { ...h[0]!, high: Number.POSITIVE_INFINITY };
    h[10] = { ...h[10]!, close: Number.NaN };
    h[11] = { ...h[11]!, open: -1 };
    h[120] = { ...h[119]! };
    h[200] = { ...h[200]!, low: h[200]!.high * 2 };
    h[298] = { ...h[298]!, volume: -1 };
    compare(h, all.slice(300), 'bad bars');
    const last = all.slice(0, 300);
    last[299] = { ...last[299]!, openTimeMs: last[250]!.openTimeMs };
    compare(last, all.slice(300), 'bad last bar');
  });

  it('accepts a bar whose prices are finite but whose sum overflows, as the replay does', () => {
    const all = candlesOf(randomWalkCandles(7, 120, 0, HOUR));
    const h = all.slice(0, 100);
    h[50] = { ...h[50]!, volume: Number.MAX_VALUE };
    compare(h, all.slice(100), 'overflowing sum');
  });

  it('refuses columns of different lengths, naming them', () => {
    const c = columnsOf(candlesOf(randomWalkCandles(3, 50, 0, HOUR)));
    expect(() => new FeatureTracker(params).seedColumns({ ...c, volume: c.volume.subarray(0, 49) })).toThrow(/volume 49[\s\S]*six columns of one length/);
  });
});

describe('IncrementalSignalEvaluator.seedFromRing', () => {
  it('seeds a wrapped ring exactly as seed(ring.toArray()) does, and reports refused bars by open time', () => {
    const all = candlesOf(randomWalkCandles(11, 700, 0, HOUR));
    all[400] = { ...all[400]!, close: Number.NaN };
    const ring = new CandleRing(500);
    for (const c of all.slice(0, 650)) ring.push(c);
    const a = new IncrementalSignalEvaluator(createSignalEngine());
    const b = new IncrementalSignalEvaluator(createSignalEngine());
    const ra = a.seedFromRing('X/USDT:USDT', '1h', ring);
    const rb = b.seed('X/USDT:USDT', '1h', ring.toArray());
    expect(ra.map((r) => [r.openTimeMs, r.error.message])).toEqual(rb.map((r) => [r.openTimeMs, r.error.message]));
    expect(ra.map((r) => r.openTimeMs)).toEqual([all[400]!.openTimeMs]);
    const ta = a.tracker('X/USDT:USDT', '1h')!;
    const tb = b.tracker('X/USDT:USDT', '1h')!;
    expect(rowDiff(ta.last, tb.last)).toEqual([]);
    expect(rowDiff(ta.beforeLast, tb.beforeLast)).toEqual([]);
    for (const c of all.slice(650)) expect(rowDiff(ta.update(c), tb.update(c))).toEqual([]);
  });
});

describe('CandleRing.columns', () => {
  it('gives six independent copies of exactly the newest bars, wrapped or not', () => {
    const all = candlesOf(randomWalkCandles(12, 140, 0, HOUR));
    const ring = new CandleRing(100);
    for (const c of all.slice(0, 130)) ring.push(c);
    const cols = ring.columns(60);
    expect(cols.close.length).toBe(60);
    expect(Array.from(cols.openTimeMs)).toEqual(all.slice(70, 130).map((c) => c.openTimeMs));
    expect(Array.from(cols.volume)).toEqual(all.slice(70, 130).map((c) => c.volume));
    const before = Array.from(cols.close);
    for (const c of all.slice(130)) ring.push(c);
    cols.high.fill(0);
    expect(Array.from(cols.close), 'later pushes and writes to another column leave the copy alone').toEqual(before);
    expect(ring.columns(0).close.length).toBe(0);
  });
});
