/**
 * Runs the radar over the SimExchange generator and scores it against the injected episodes.
 * Shared by the sim episode test and `scripts/eval-manipulation-sim.ts`.
 *
 * Detection definition:
 * - every `evalEveryMs` the radar sees each symbol's closed 5m bars, the book (top `bookDepth`
 *   levels), funding, mark/index, 24h quote volume and one open-interest value per bar, all read
 *   at or before that time (no look-ahead);
 * - a symbol-window (symbol x `windowMs` slice of the run) is flagged when any evaluation in it
 *   reached `minScore` (default 50: one flag at its threshold) and raised at least one flag;
 * - recall: an episode (pump_and_dump or spoofing) is detected when a flagged window of its symbol
 *   overlaps [startMs, endMs);
 * - precision: a flagged window is a true alarm when it overlaps [startMs, endMs + graceMs) of an
 *   episode on its symbol (the aftermath of a dump is still that episode), else a false alarm.
 */
import { ManipulationRadar, type FlagName, type MarketSnapshot, type RadarOptions, type SnapshotAnalysis } from '../../src/manipulation/index.js';
import type { MarketGenerator } from '../../src/sim/index.js';

const BAR_MS = 5 * 60_000;
const HISTORY_BARS = 100;
/** Open interest kept per symbol: two days of 5m bars, so its own variability can be judged. */
const OI_HISTORY_BARS = 576;

export interface SimEvalOptions {
  fromMs: number;
  toMs: number;
  evalEveryMs?: number;
  windowMs?: number;
  graceMs?: number;
  bookDepth?: number;
  minScore?: number;
  radar?: RadarOptions;
  /** Called with every evaluation, e.g. to export labeled feature rows. */
  onEvaluation?: (symbol: string, nowMs: number, analysis: SnapshotAnalysis) => void;
}

export interface SimEvalResult {
  episodes: { kind: string; symbol: string; startMs: number; endMs: number; detected: boolean; flags: string[] }[];
  flaggedWindows: number;
  trueWindows: number;
  falseWindows: { symbol: string; windowStartMs: number; flags: string[] }[];
  recall: number;
  precision: number;
  evaluations: number;
  /** Every window with at least one flag, with its highest manipScore, for other thresholds. */
  windows: { symbol: string; windowStartMs: number; maxScore: number; flags: string[] }[];
}

export function evaluateRadarOnGenerator(gen: MarketGenerator, opts: SimEvalOptions): SimEvalResult {
  const evalEveryMs = opts.evalEveryMs ?? BAR_MS;
  const windowMs = opts.windowMs ?? 3_600_000;
  const graceMs = opts.graceMs ?? 2 * 3_600_000;
  const depth = opts.bookDepth ?? 20;
  const minScore = opts.minScore ?? 50;
  const radar = new ManipulationRadar(opts.radar);
  const flagged = new Map<string, { symbol: string; windowStartMs: number; maxScore: number; flags: Set<FlagName> }>();
  let evaluations = 0;
  for (const market of gen.markets()) {
    const symbol = market.symbol;
    const endMs = Math.min(opts.toMs, market.delistAtMs ?? Number.POSITIVE_INFINITY);
    const bars = gen.candles(symbol, '5m', opts.fromMs - OI_HISTORY_BARS * BAR_MS, endMs);
    const n = bars.length;
    const c = {
      openTimeMs: new Float64Array(n),
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
    };
    const oi = new Float64Array(n);
    bars.forEach((b, i) => {
      c.openTimeMs[i] = b.openTimeMs;
      c.open[i] = b.open;
      c.high[i] = b.high;
      c.low[i] = b.low;
      c.close[i] = b.close;
      c.volume[i] = b.volume;
      oi[i] = gen.openInterest(symbol, b.openTimeMs + BAR_MS).amountBase;
    });
    let closed = 0;
    for (let t = opts.fromMs; t < endMs; t += evalEveryMs) {
      while (closed < n && (c.openTimeMs[closed] as number) + BAR_MS <= t) closed++;
      if (closed < 20) continue;
      const from = Math.max(0, closed - HISTORY_BARS);
      const book = gen.orderBook(symbol, t, depth);
      const mark = gen.markPrice(symbol, t);
      const funding = gen.fundingRate(symbol, t);
      const snapshot: MarketSnapshot = {
        symbol,
        nowMs: t,
        barMs: BAR_MS,
        candles: {
          openTimeMs: c.openTimeMs.subarray(from, closed),
          open: c.open.subarray(from, closed),
          high: c.high.subarray(from, closed),
          low: c.low.subarray(from, closed),
          close: c.close.subarray(from, closed),
          volume: c.volume.subarray(from, closed),
        },
        book: { bids: book.bids, asks: book.asks },
        fundingRate: funding.rate,
        fundingIntervalHours: funding.intervalHours ?? 8,
        openInterestHistory: oi.subarray(Math.max(0, closed - OI_HISTORY_BARS), closed),
        markPrice: mark.markPrice,
        indexPrice: mark.indexPrice,
        market: { takerFeeRate: market.takerFee, makerFeeRate: market.makerFee, listedAtMs: market.listedAtMs },
      };
      const analysis = radar.analyze(snapshot);
      const { manip } = analysis;
      opts.onEvaluation?.(symbol, t, analysis);
      evaluations++;
      if (manip.flags.length === 0) continue;
      const windowStartMs = opts.fromMs + Math.floor((t - opts.fromMs) / windowMs) * windowMs;
      const key = `${symbol}|${windowStartMs}`;
      const w = flagged.get(key) ?? { symbol, windowStartMs, maxScore: 0, flags: new Set<FlagName>() };
      for (const f of manip.flags) w.flags.add(f.name);
      w.maxScore = Math.max(w.maxScore, manip.manipScore);
      flagged.set(key, w);
    }
  }
  const episodes = gen
    .groundTruth()
    .filter((e) => e.kind !== 'delisting' && e.endMs > opts.fromMs && e.startMs < opts.toMs);
  const overlaps = (w: { symbol: string; windowStartMs: number }, symbol: string, a: number, b: number): boolean =>
    w.symbol === symbol && w.windowStartMs < b && w.windowStartMs + windowMs > a;
  const all = [...flagged.values()];
  const windows = all.filter((w) => w.maxScore >= minScore);
  const episodeRows = episodes.map((e) => {
    const hits = windows.filter((w) => overlaps(w, e.symbol, e.startMs, e.endMs));
    return { ...e, detected: hits.length > 0, flags: [...new Set(hits.flatMap((w) => [...w.flags]))] };
  });
  const falseWindows = windows
    .filter((w) => !episodes.some((e) => overlaps(w, e.symbol, e.startMs, e.endMs + graceMs)))
    .map((w) => ({ symbol: w.symbol, windowStartMs: w.windowStartMs, flags: [...w.flags] }));
  const trueWindows = windows.length - falseWindows.length;
  return {
    episodes: episodeRows,
    flaggedWindows: windows.length,
    trueWindows,
    falseWindows,
    recall: episodeRows.length > 0 ? episodeRows.filter((e) => e.detected).length / episodeRows.length : Number.NaN,
    precision: windows.length > 0 ? trueWindows / windows.length : Number.NaN,
    evaluations,
    windows: all.map((w) => ({ symbol: w.symbol, windowStartMs: w.windowStartMs, maxScore: w.maxScore, flags: [...w.flags] })),
  };
}
