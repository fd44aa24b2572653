import { InvalidInputError } from '../core/errors.js';
import { selectMedian } from './select.js';
import type { MarketSnapshot } from './types.js';

/**
 * Cross-sectional context of one cycle: how the universe moved on its last closed bar, so the
 * radar can tell an idiosyncratic move from the whole market moving, and the engine can raise one
 * market-level `market_stress` event instead of hundreds of per-symbol flags.
 */

/** Figures of the market stress test, kept as data next to the rule thresholds. */
export const DEFAULT_MARKET_THRESHOLDS = {
  /** Fewer aligned symbols than this and no cross-section is formed (peers are too few to judge). */
  minSymbols: 10,
  /** A symbol counts as "moved" when its last bar closed this far from the previous close... */
  stressMove: 0.05,
  /** ...or its intrabar extreme (low for down, high for up) reached this far. */
  stressExcursion: 0.1,
  /** Market stress when at least this share of the aligned symbols moved the same way. */
  stressShare: 0.3,
  /**
   * Returns over 1..this many bars are kept per symbol for peer-relative moves. It covers the
   * longest span a rule nets against the peers (`accumBars` 6; `pumpBars` 3, `collapseBars` 4), so
   * a symbol's move and the peers' move span the same bars; a rule asked for a longer span than a
   * context has measures its own move over the span the context has (`peerSpan`).
   */
  horizonBars: 6,
} as const;
export type MarketThresholds = { -readonly [K in keyof typeof DEFAULT_MARKET_THRESHOLDS]: number };

/** One market-wide move on the last closed bar; null in a `MarketContext` when there is none. */
export interface MarketStress {
  direction: 'down' | 'up';
  /** Share (0-1) of the aligned symbols that moved that way on the bar. */
  share: number;
  symbolsMoved: number;
  symbols: number;
  barOpenTimeMs: number;
  medianRet1Pct: number;
  medianExcursionPct: number;
  /** The benchmark's (BTC's) close-to-close move on the bar; NaN when it is not in the universe. */
  benchmarkRet1Pct: number;
  /** 0.5 at the share threshold, 1 at twice it. */
  severity: number;
}

/** Cross-section of one closed bar. Returns are fractions. */
export interface MarketContext {
  /** Open time of the bar the figures describe (the latest last-bar open time in the universe). */
  barOpenTimeMs: number;
  /**
   * Cross-sections of the older last bars in the universe (symbols whose feed lags the newest
   * bar), keyed by bar open time: built from every symbol that has that bar, cut at it. `null`
   * where too few symbols have it. Read through `marketContextAt`.
   */
  earlier: ReadonlyMap<number, MarketContext | null>;
  /** Symbols whose bar at `barOpenTimeMs` ends the figures and that have `horizonBars + 1` closes up to it. */
  symbols: number;
  /** Median over those symbols of the close-to-close return over k bars, index k - 1 (k = 1..horizonBars). */
  medianRet: number[];
  /** The benchmark's returns over the same horizons, or NaN when it is absent. */
  benchmarkRet: number[];
  /** Median of last-bar volume over the mean of the 24 bars before it. */
  medianVolumeRatio: number;
  stress: MarketStress | null;
  /** Identity for caches: equal keys mean equal figures. */
  key: string;
}

/** The benchmark of peer-relative moves: BTC in any of the engine's or the data files' spellings. */
const BENCHMARK = /^BTC(\/|-|_)?USD/i;

const r2 = (x: number): number => Math.round(x * 100) / 100;

let scratch = new Float64Array(0);
function buffer(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

function medianOf(values: Float64Array, n: number): number {
  if (n === 0) return Number.NaN;
  const buf = buffer(n);
  for (let i = 0; i < n; i++) buf[i] = values[i] as number;
  return selectMedian(buf, n);
}

/** Index of the bar opening at `t` in ascending `openTimeMs`, or -1. */
function indexOfOpen(openTimeMs: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = openTimeMs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = openTimeMs[mid] as number;
    if (x === t) return mid;
    if (x < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The cross-section of `snapshots`' last closed bars. Only symbols whose last bar opens at the
 * latest last-bar open time count (a symbol still on an older bar says nothing about this one).
 * A symbol whose last bar is older (its feed lags) is judged against the cross-section of its own
 * last bar, in `earlier`: every symbol that has that bar, cut at it, so the laggard is not compared
 * to market moves after its data ends.
 * Pure and O(symbols x horizon) per distinct last bar; a few hundred symbols cost well under a
 * millisecond.
 *
 * @example
 * const ctx = computeMarketContext(snapshots);
 * if (ctx?.stress) console.log(`market ${ctx.stress.direction}: ${ctx.stress.share}`);
 */
export function computeMarketContext(snapshots: readonly MarketSnapshot[], thresholds: Partial<MarketThresholds> = {}): MarketContext | null {
  const t: MarketThresholds = { ...DEFAULT_MARKET_THRESHOLDS, ...thresholds };
  let barOpenTimeMs = Number.NEGATIVE_INFINITY;
  for (const s of snapshots) {
    const n = s.candles.openTimeMs.length;
    const open = n > 0 ? (s.candles.openTimeMs[n - 1] as number) : Number.NaN;
    if (open > barOpenTimeMs) barOpenTimeMs = open;
  }
  if (!Number.isFinite(barOpenTimeMs)) return null;
  const ends = new Int32Array(snapshots.length);
  snapshots.forEach((s, i) => (ends[i] = s.candles.openTimeMs.length));
  const newest = crossSectionAt(snapshots, ends, barOpenTimeMs, t);
  if (!newest) return null;
  const earlier = new Map<number, MarketContext | null>();
  for (const s of snapshots) {
    const n = s.candles.openTimeMs.length;
    const open = n > 0 ? (s.candles.openTimeMs[n - 1] as number) : Number.NaN;
    if (!(open < barOpenTimeMs) || earlier.has(open)) continue;
    snapshots.forEach((x, i) => (ends[i] = indexOfOpen(x.candles.openTimeMs, open) + 1));
    earlier.set(open, crossSectionAt(snapshots, ends, open, t));
  }
  newest.earlier = earlier;
  return newest;
}

/**
 * The cross-section of the bar opening at `barOpenTimeMs`: each snapshot's candles cut at
 * `ends[i]` (exclusive; 0 leaves it out) count when their bar `ends[i] - 1` is that bar.
 */
function crossSectionAt(snapshots: readonly MarketSnapshot[], ends: Int32Array, barOpenTimeMs: number, t: MarketThresholds): (MarketContext & { earlier: Map<number, MarketContext | null> }) | null {
  const h = Math.max(1, Math.floor(t.horizonBars));
  const rets = Array.from({ length: h }, () => new Float64Array(snapshots.length));
  const volumeRatios = new Float64Array(snapshots.length);
  const downExcursions = new Float64Array(snapshots.length);
  const upExcursions = new Float64Array(snapshots.length);
  const benchmarkRet = new Array<number>(h).fill(Number.NaN);
  let count = 0;
  let volumeCount = 0;
  let down = 0;
  let up = 0;
  snapshots.forEach((s, si) => {
    const c = s.candles;
    const n = ends[si] as number;
    if (n < h + 1 || c.openTimeMs[n - 1] !== barOpenTimeMs) return;
    const last = c.close[n - 1] as number;
    const prev = c.close[n - 2] as number;
    if (!(last > 0) || !(prev > 0)) return;
    const isBenchmark = BENCHMARK.test(s.symbol);
    for (let k = 1; k <= h; k++) {
      const r = last / (c.close[n - 1 - k] as number) - 1;
      (rets[k - 1] as Float64Array)[count] = Number.isFinite(r) ? r : 0;
      if (isBenchmark && Number.isFinite(r)) benchmarkRet[k - 1] = r;
    }
    const ret1 = last / prev - 1;
    const lowEx = (c.low[n - 1] as number) / prev - 1;
    const highEx = (c.high[n - 1] as number) / prev - 1;
    // A bad high or low (NaN, infinite) counts as no excursion, as a bad close counts as no return:
    // one NaN in a median's input would make the median arbitrary.
    downExcursions[count] = Number.isFinite(lowEx) ? lowEx : 0;
    upExcursions[count] = Number.isFinite(highEx) ? highEx : 0;
    if (ret1 <= -t.stressMove || lowEx <= -t.stressExcursion) down++;
    if (ret1 >= t.stressMove || highEx >= t.stressExcursion) up++;
    count++;
    if (n >= 26) {
      let sum = 0;
      for (let i = n - 25; i < n - 1; i++) sum += c.volume[i] as number;
      const mean = sum / 24;
      const ratio = (c.volume[n - 1] as number) / mean;
      if (mean > 0 && Number.isFinite(ratio)) volumeRatios[volumeCount++] = ratio;
    }
  });
  if (count < t.minSymbols) return null;
  const medianRet = rets.map((r) => medianOf(r, count));
  const medianVolumeRatio = medianOf(volumeRatios, volumeCount);
  let stress: MarketStress | null = null;
  const moved = Math.max(down, up);
  const share = moved / count;
  if (share >= t.stressShare) {
    const direction = down >= up ? 'down' : 'up';
    stress = {
      direction,
      share: r2(share * 100) / 100,
      symbolsMoved: moved,
      symbols: count,
      barOpenTimeMs,
      medianRet1Pct: r2((medianRet[0] as number) * 100),
      medianExcursionPct: r2(medianOf(direction === 'down' ? downExcursions : upExcursions, count) * 100),
      benchmarkRet1Pct: r2((benchmarkRet[0] as number) * 100),
      severity: Math.min(1, 0.5 + 0.5 * (share / t.stressShare - 1)),
    };
  }
  const key = [barOpenTimeMs, count, ...medianRet.map((x) => x.toFixed(6)), ...benchmarkRet.map((x) => x.toFixed(6)), medianVolumeRatio.toFixed(4), stress ? stress.direction : '-'].join('|');
  return { barOpenTimeMs, earlier: new Map(), symbols: count, medianRet, benchmarkRet, medianVolumeRatio, stress, key };
}

/**
 * The cross-section to measure a symbol whose last bar opens at `barOpenTimeMs` against: `ctx`
 * itself when that is its bar, the cross-section of that bar when `ctx` holds one (the symbol
 * lags), else null (no peers known for that bar; its moves are measured raw).
 */
export function marketContextAt(ctx: MarketContext | null | undefined, barOpenTimeMs: number): MarketContext | null {
  if (!ctx) return null;
  if (ctx.barOpenTimeMs === barOpenTimeMs) return ctx;
  return ctx.earlier.get(barOpenTimeMs) ?? null;
}

/**
 * How many bars back a move can be netted against `ctx`: `bars`, or the context's horizon when
 * that is shorter (a rule then measures its own move over the bars the peers' move spans).
 */
export function peerSpan(ctx: MarketContext | null | undefined, bars: number): number {
  return ctx ? Math.min(bars, ctx.medianRet.length) : bars;
}

/**
 * The market's move over `k` bars (1..horizon) that a symbol's move is measured against: the
 * cross-section median, or 0 without a context. `k` beyond the horizon is an error of the caller
 * (the spans would differ); keep it within `peerSpan`.
 */
export function peerReturn(ctx: MarketContext | null | undefined, k: number): number {
  if (!ctx) return 0;
  if (!(Number.isInteger(k) && k >= 1 && k <= ctx.medianRet.length)) {
    throw new InvalidInputError('peer return span', [{ path: 'k', received: String(k), expected: `an integer 1..${ctx.medianRet.length} (the context's horizonBars)` }]);
  }
  const r = ctx.medianRet[k - 1] as number;
  return Number.isFinite(r) ? r : 0;
}
