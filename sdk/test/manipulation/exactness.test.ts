import { describe, expect, it } from 'vitest';
import { atr, realizedVol, rsi } from '../../src/indicators/index.js';
import {
  analyzeSnapshot,
  computeBookFeatures,
  computeCandleFeatures,
  ManipulationRadar,
  selectKth,
  selectMedian,
  type BookSide,
  type CandleArrays,
  type MarketSnapshot,
} from '../../src/manipulation/index.js';
import { robustZ } from '../../src/ranking/index.js';
import { HOUR_MS, T0, calmBook, rng } from './fixtures.js';

// The radar and the ranking reuse buffers and select medians instead of sorting, to keep a scan
// cycle free of garbage. These tests pin them to the plain formulations they replace (allocate,
// sort, index), written out below, on random inputs: every figure must be bit-identical.

function sortedMedian(values: readonly number[]): number {
  const s = Float64Array.from(values).sort();
  const m = s.length;
  return m % 2 === 1 ? (s[m >> 1] as number) : ((s[(m >> 1) - 1] as number) + (s[m >> 1] as number)) / 2;
}

/** Candle features as first written: fresh tails and kernel outputs, sort for the median. */
function referenceCandleFeatures(candles: CandleArrays, barMs: number): Record<string, number> | null {
  const n = candles.close.length;
  if (n < 16) return null;
  const tail = (v: ArrayLike<number>) => Float64Array.from(Array.from(v).slice(Math.max(0, v.length - 100)));
  const [high, low, close, open, volume] = [tail(candles.high), tail(candles.low), tail(candles.close), tail(candles.open), tail(candles.volume)];
  const m = close.length;
  const a = atr(high, low, close, 14);
  const atrNow = a[m - 1] as number;
  const atrPrev = a[m - 2] as number;
  const c = close[m - 1] as number;
  const o = open[m - 1] as number;
  const h = high[m - 1] as number;
  const l = low[m - 1] as number;
  const yard = atrPrev > 0 ? atrPrev : atrNow;
  const barsPerDay = Math.max(1, Math.round(86_400_000 / barMs));
  let qv24 = 0;
  for (let i = Math.max(0, m - barsPerDay); i < m; i++) qv24 += (close[i] as number) * (volume[i] as number);
  let qvBars = 0;
  const qvFrom = Math.max(0, m - 24);
  for (let i = qvFrom; i < m; i++) qvBars += (close[i] as number) * (volume[i] as number);
  const qv = Array.from(close, (x, i) => x * (volume[i] as number));
  const vol = (bars: number) => {
    const rv = realizedVol(close.subarray(m - bars - 1), bars);
    return rv[rv.length - 1] as number;
  };
  const shortVol = vol(10);
  const longVol = vol(Math.min(60, m - 1));
  const ret = (k: number) => (m > k ? c / (close[m - 1 - k] as number) - 1 : Number.NaN);
  const base = Array.from(volume.subarray(Math.max(0, m - 61), m - 1));
  const mean = base.reduce((s, x) => s + x, 0) / base.length;
  const std = Math.sqrt(base.reduce((s, x) => s + (x - mean) * (x - mean), 0) / (base.length - 1));
  return {
    bars: n,
    lastOpenTimeMs: candles.openTimeMs[n - 1] as number,
    close: c,
    atr: atrNow,
    atrPrev: yard,
    atrPct: (atrNow / c) * 100,
    rsi: rsi(close, 14)[m - 1] as number,
    ret1: ret(1),
    ret4: ret(4),
    ret24: ret(24),
    volumeZ: std > 0 ? ((volume[m - 1] as number) - mean) / std : 0,
    volRegime: longVol > 0 ? shortVol / longVol : 1,
    velocityAtr: yard > 0 ? (c - (close[m - 4] as number)) / (3 * yard) : 0,
    upperWickAtr: yard > 0 ? (h - Math.max(o, c)) / yard : 0,
    lowerWickAtr: yard > 0 ? (Math.min(o, c) - l) / yard : 0,
    rangeAtr: yard > 0 ? (h - l) / yard : 0,
    quoteVolumePerBar: qvBars / (m - qvFrom),
    medianQuoteVolumePerBar: sortedMedian(qv),
    quoteVolume24h: qv24,
  };
}

/** Largest level within 50 bps of mid and its multiple of the median level there, by sorting. */
function referenceWall(side: BookSide, mid: number, isBid: boolean): { usd: number; price: number; medianUsd: number } {
  const limit = isBid ? mid * (1 - 50 / 10_000) : mid * (1 + 50 / 10_000);
  let best = { usd: 0, price: mid };
  const sizes: number[] = [];
  for (const [price, amount] of side) {
    if (isBid ? price < limit : price > limit) break;
    sizes.push(price * amount);
    if (price * amount > best.usd) best = { usd: price * amount, price };
  }
  return { ...best, medianUsd: sizes.length === 0 ? 0 : sortedMedian(sizes) };
}

/** Robust z as first written: filter, sort, median, sorted deviations. */
function referenceRobustZ(values: readonly number[]): Float64Array {
  const sorted = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  const out = new Float64Array(values.length);
  if (sorted.length === 0) return out;
  const med = sortedMedian(Array.from(sorted));
  const dev = sorted.map((v) => Math.abs(v - med)).sort();
  let scale = 1.4826 * sortedMedian(Array.from(dev));
  if (!(scale > 0)) scale = (dev.reduce((s, d) => s + d, 0) / dev.length) * 1.2533;
  if (!(scale > 0)) return out;
  values.forEach((v, i) => (out[i] = Number.isFinite(v) ? Math.max(-3, Math.min(3, (v - med) / scale)) : 0));
  return out;
}

/** Random candles: calm walks, pumps and dumps, spikes, zero-volume bars; plain or typed columns. */
function randomCandles(seed: number): { candles: CandleArrays; barMs: number } {
  const r = rng(seed);
  const n = r() < 0.2 ? 16 + Math.floor(r() * 90) : 100 + Math.floor(r() * 500);
  const barMs = [300_000, HOUR_MS, 4 * HOUR_MS][Math.floor(r() * 3)] as number;
  const cols: Record<keyof CandleArrays, number[]> = { openTimeMs: [], open: [], high: [], low: [], close: [], volume: [] };
  const event = Math.floor(r() * 4);
  const at = n - 1 - Math.floor(r() * 20);
  let p = 1 + r() * 100;
  for (let i = 0; i < n; i++) {
    const o = p;
    let step = (r() - 0.5) * 0.02;
    let volume = r() < 0.03 ? 0 : 1000 * (0.5 + r());
    if (event === 1 && i >= at - 12) step = i < at ? 0.04 : -0.06;
    if (event === 2 && i === at) {
      step = 0.08;
      volume *= 20;
    }
    p *= 1 + step;
    cols.openTimeMs.push(T0 + i * barMs);
    cols.open.push(o);
    cols.close.push(p);
    cols.high.push(Math.max(o, p) * (1 + r() * (event === 3 && i === n - 1 ? 0.1 : 0.004)));
    cols.low.push(Math.min(o, p) * (1 - r() * 0.004));
    cols.volume.push(volume);
  }
  if (r() < 0.5) return { candles: cols, barMs };
  // Views into longer buffers, as the engine's candle store hands them over.
  const view = (v: number[]) => {
    const buf = new Float64Array(v.length + 5);
    buf.set(v, 2);
    return buf.subarray(2, 2 + v.length);
  };
  const typed = { openTimeMs: view(cols.openTimeMs), open: view(cols.open), high: view(cols.high), low: view(cols.low), close: view(cols.close), volume: view(cols.volume) };
  return { candles: typed, barMs };
}

function randomSide(r: () => number, mid: number, isBid: boolean): [number, number][] {
  const levels = Math.floor(r() * 40);
  const stepBps = 0.5 + r() * 4;
  const side: [number, number][] = [];
  for (let i = 0; i < levels; i++) {
    const usd = r() < 0.3 ? 1000 : (r() < 0.05 ? 40 : 1) * (200 + r() * 20_000);
    const price = mid * (1 + ((isBid ? -1 : 1) * (1 + i * stepBps)) / 10_000);
    side.push([price, usd / price]);
  }
  return side;
}

describe('selection matches sorting', () => {
  it('selectKth and selectMedian return the sorted order statistic on random, tie-heavy arrays', () => {
    const r = rng(11);
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + Math.floor(r() * 200);
      const pool = [0, 1, 1, 2, Number.POSITIVE_INFINITY, -3.5];
      const values = Array.from({ length: n }, () => (r() < 0.3 ? (pool[Math.floor(r() * pool.length)] as number) : r() * 100 - 50));
      const sorted = Float64Array.from(values).sort();
      const k = Math.floor(r() * n);
      expect(selectKth(Float64Array.from(values), n, k), `trial ${trial}: k=${k} of ${n}`).toBe(sorted[k]);
      expect(selectMedian(Float64Array.from(values), n), `trial ${trial}: median of ${n}`).toBe(sortedMedian(values));
    }
  });
});

describe('candle features without allocation', () => {
  it('equal the allocate-and-sort formulation on random series', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { candles, barMs } = randomCandles(seed);
      expect(computeCandleFeatures(candles, barMs), `seed ${seed}`).toEqual(referenceCandleFeatures(candles, barMs));
    }
  });

  it('exposes the tail it computed on, copied from the input, with its ATR', () => {
    const { candles, barMs } = randomCandles(5);
    const out: Parameters<typeof computeCandleFeatures>[2] = { tail: null };
    computeCandleFeatures(candles, barMs, out);
    const n = candles.close.length;
    const from = Math.max(0, n - 100);
    expect(Array.from(out.tail?.close ?? []), 'tail close is the last bars').toEqual(Array.from(candles.close).slice(from));
    expect(Array.from(out.tail?.atr ?? []), 'tail ATR is the kernel over the tail').toEqual(Array.from(atr(out.tail!.high, out.tail!.low, out.tail!.close, 14)));
  });

  it('treats columns of different lengths as the plain formulation does (tails read per column)', () => {
    const outcome = (f: () => unknown): unknown => {
      try {
        return f();
      } catch (err) {
        return { threw: (err as Error).message };
      }
    };
    for (const seed of [3, 4, 7, 8, 9, 10]) {
      const { candles, barMs } = randomCandles(seed);
      const short = { ...candles, high: Array.from(candles.high).slice(1) };
      const got = outcome(() => computeCandleFeatures(short, barMs));
      expect(got, `seed ${seed}`).toEqual(outcome(() => referenceCandleFeatures(short, barMs)));
      if (candles.close.length <= 100) expect(got, `seed ${seed}: a short high column fails the ATR check`).toHaveProperty('threw');
    }
  });
});

describe('book walls without sorting', () => {
  it('wall share, multiple and distance equal the sort-based median on random books', () => {
    const r = rng(23);
    for (let trial = 0; trial < 400; trial++) {
      const mid = 1 + r() * 1000;
      const book = { bids: randomSide(r, mid, true), asks: randomSide(r, mid, false) };
      const f = computeBookFeatures(book);
      if (!f) continue;
      const heavyIsBid = f.bidDepth50Usd >= f.askDepth50Usd;
      const wall = referenceWall(heavyIsBid ? book.bids : book.asks, f.mid, heavyIsBid);
      const heavy = heavyIsBid ? f.bidDepth50Usd : f.askDepth50Usd;
      expect(f.wallMultiple, `trial ${trial}`).toBe(wall.medianUsd > 0 ? wall.usd / wall.medianUsd : 0);
      expect(f.wallShare, `trial ${trial}`).toBe(heavy > 0 ? wall.usd / heavy : 0);
      expect(f.wallDistanceBps, `trial ${trial}`).toBe((Math.abs(wall.price - f.mid) / f.mid) * 10_000);
    }
  });
});

describe('robust z with reused buffers', () => {
  it('equals the sort-based formulation, including the zero-MAD fallback and non-finite values', () => {
    const r = rng(31);
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + Math.floor(r() * 120);
      const ties = r() < 0.3;
      const values = Array.from({ length: n }, () => (r() < 0.1 ? Number.NaN : ties && r() < 0.7 ? 2 : r() * 10 - 5));
      expect(robustZ(values), `trial ${trial}`).toEqual(referenceRobustZ(values));
    }
  });
});

describe('shared buffers never leak into results', () => {
  const snapshot = (seed: number): MarketSnapshot => {
    const { candles, barMs } = randomCandles(seed);
    const n = candles.close.length;
    return { symbol: `S${seed}`, nowMs: T0 + n * barMs, barMs, candles, book: calmBook(candles.close[n - 1] as number) };
  };

  it('an analysis is unchanged by later analyses of other symbols', () => {
    const radar = new ManipulationRadar();
    const snaps = Array.from({ length: 30 }, (_, i) => snapshot(i + 100));
    const first = snaps.map((s) => structuredClone(radar.analyze(s)));
    snaps.forEach((s, i) => expect(radar.analyze(s), `cached analysis ${i} after the others`).toEqual(first[i]));
    snaps.forEach((s, i) => expect(analyzeSnapshot(s), `fresh analysis ${i}`).toEqual(first[i]));
  });
});
