import { computeBookFeatures, type BookFeatures } from './bookFeatures.js';
import { computeCandleFeatures, type CandleFeatures, type CandleTail } from './candleFeatures.js';
import { predictLogistic, type LogisticModel } from './logistic.js';
import { DEFAULT_RADAR_MODEL, radarFeatureRow } from './model.js';
import { DEFAULT_RULE_THRESHOLDS, RULES, type RuleContext, type RuleThresholds } from './rules.js';
import type { ManipFlag, ManipResult, MarketSnapshot } from './types.js';

export interface RadarOptions {
  model?: LogisticModel;
  thresholds?: Partial<RuleThresholds>;
}

/** The radar's verdict plus the features it computed, so the ranking does not compute them twice. */
export interface SnapshotAnalysis {
  candle: CandleFeatures | null;
  book: BookFeatures | null;
  manip: ManipResult;
}

/**
 * Runs every rule and the logistic layer on one snapshot. Pure: the same snapshot always gives
 * the same result.
 *
 * @example
 * const { manip } = analyzeSnapshot(snapshot);
 * if (manip.manipScore > 60) console.log(manip.flags.map((f) => f.name));
 */
export function analyzeSnapshot(snapshot: MarketSnapshot, options: RadarOptions = {}): SnapshotAnalysis {
  return analyzeWith(snapshot, options.model ?? DEFAULT_RADAR_MODEL, thresholdsOf(options));
}

/** The options' thresholds over the defaults (the defaults themselves when none are overridden). */
function thresholdsOf(options: RadarOptions): RuleThresholds {
  return options.thresholds ? { ...DEFAULT_RULE_THRESHOLDS, ...options.thresholds } : DEFAULT_RULE_THRESHOLDS;
}

/** `analyzeSnapshot` with its options resolved, so a radar resolves them once, not per symbol. */
function analyzeWith(snapshot: MarketSnapshot, model: LogisticModel, t: RuleThresholds): SnapshotAnalysis {
  const tailOut: { tail: CandleTail | null } = { tail: null };
  const candle = computeCandleFeatures(snapshot.candles, snapshot.barMs, tailOut);
  const book = snapshot.book ? computeBookFeatures(snapshot.book) : null;
  const ctx: RuleContext = { snapshot, candle, tail: tailOut.tail, book, t };
  const flags: ManipFlag[] = [];
  for (const rule of RULES) {
    const f = rule(ctx);
    if (f) flags.push(f);
  }
  const p = predictLogistic(model, radarFeatureRow(flags, candle));
  return { candle, book, manip: { symbol: snapshot.symbol, manipScore: Math.round(p * 1000) / 10, flags } };
}

/** Shorthand for the verdict alone. */
export function scoreManipulation(snapshot: MarketSnapshot, options: RadarOptions = {}): ManipResult {
  return analyzeSnapshot(snapshot, options).manip;
}

/**
 * Identity of a snapshot's inputs: its `revision` when given, else a sample of them (last bar,
 * book touch and ends, flow, funding, OI, mark, listing age in hours). Two snapshots with the
 * same key are treated as the same input and the cached analysis is reused.
 */
export function snapshotKey(s: MarketSnapshot): string {
  if (s.revision !== undefined) return `r${s.revision}`;
  const n = s.candles.close.length;
  const b = s.book;
  const oi = s.openInterestHistory;
  return [
    n,
    s.candles.openTimeMs[n - 1],
    s.candles.close[n - 1],
    s.candles.high[n - 1],
    s.candles.low[n - 1],
    s.candles.volume[n - 1],
    b?.bids[0]?.[0],
    b?.bids[0]?.[1],
    b?.asks[0]?.[0],
    b?.asks[0]?.[1],
    b?.bids.length,
    b?.asks.length,
    b?.bids[b.bids.length - 1]?.[1],
    b?.asks[b.asks.length - 1]?.[1],
    s.trades?.tradeCount,
    s.trades?.buyVolumeBase,
    s.fundingRate,
    oi ? oi[oi.length - 1] : undefined,
    s.markPrice,
    s.indexPrice,
    s.quoteVolume24hUsd,
    s.market?.listedAtMs === undefined ? '' : Math.floor((s.nowMs - s.market.listedAtMs) / 3_600_000),
  ].join('|');
}

/**
 * Incremental radar: keeps the last analysis per symbol and recomputes only symbols whose
 * `snapshotKey` changed, so a cycle where few series closed a bar costs little.
 */
export class ManipulationRadar {
  private readonly cache = new Map<string, { key: string; analysis: SnapshotAnalysis }>();
  private model: LogisticModel;
  private thresholds: RuleThresholds;

  constructor(options: RadarOptions = {}) {
    this.model = options.model ?? DEFAULT_RADAR_MODEL;
    this.thresholds = thresholdsOf(options);
  }

  /** Replaces the model or thresholds; the next `analyze` recomputes every symbol. */
  configure(options: RadarOptions): void {
    this.model = options.model ?? DEFAULT_RADAR_MODEL;
    this.thresholds = thresholdsOf(options);
    this.cache.clear();
  }

  analyze(snapshot: MarketSnapshot): SnapshotAnalysis {
    const key = snapshotKey(snapshot);
    const hit = this.cache.get(snapshot.symbol);
    if (hit && hit.key === key) return hit.analysis;
    const analysis = analyzeWith(snapshot, this.model, this.thresholds);
    if (hit) {
      // Reuse the entry: every symbol misses on a bar close, and a new entry each time is garbage.
      hit.key = key;
      hit.analysis = analysis;
    } else this.cache.set(snapshot.symbol, { key, analysis });
    return analysis;
  }

  /** Drops symbols that left the universe. */
  retain(symbols: Iterable<string>): void {
    const keep = new Set(symbols);
    for (const s of this.cache.keys()) if (!keep.has(s)) this.cache.delete(s);
  }
}
