import { computeBookFeatures, type BookFeatures } from './bookFeatures.js';
import { computeCandleFeatures, type CandleFeatures, type CandleTail } from './candleFeatures.js';
import { marketContextAt, type MarketContext } from './crossSection.js';
import { predictLogistic, type LogisticModel } from './logistic.js';
import { DEFAULT_RADAR_MODEL, MANIP_ALERT_SCORE, radarFeatureRow } from './model.js';
import { DEFAULT_RULE_THRESHOLDS, PRICE_PATTERN_FLAGS, RULES, type RuleContext, type RuleThresholds } from './rules.js';
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
export function analyzeSnapshot(snapshot: MarketSnapshot, options: RadarOptions = {}, market: MarketContext | null = null): SnapshotAnalysis {
  return analyzeWith(snapshot, options.model ?? DEFAULT_RADAR_MODEL, thresholdsOf(options), market);
}

/** Highest score a symbol with no flag can have: a score at the alert level always names its evidence. */
export const UNFLAGGED_SCORE_CAP = MANIP_ALERT_SCORE - 0.1;

/**
 * manipScore (0-100, one decimal) of a feature row: the model's probability x 100, capped just
 * below the alert level when no flag fired, so every alert names its flags and their evidence.
 */
export function scoreRow(model: LogisticModel, row: ArrayLike<number>, flagCount: number): number {
  const score = Math.round(predictLogistic(model, row) * 1000) / 10;
  return flagCount > 0 ? score : Math.min(score, UNFLAGGED_SCORE_CAP);
}

/**
 * Drops price-pattern flags that a market-wide move explains: under `market.stress`, a flag
 * survives only when the symbol's last bar went `stressIdiosyncraticMove` further than the
 * median symbol, by close or by its extreme in the stress direction.
 */
function marketExplained(flags: ManipFlag[], tail: CandleTail | null, market: MarketContext | null, t: RuleThresholds): ManipFlag[] {
  const stress = market?.stress;
  if (!stress || !tail || flags.length === 0) return flags;
  const c = tail.close;
  const m = c.length;
  if (m < 2) return flags;
  const prev = c[m - 2] as number;
  const sign = stress.direction === 'down' ? -1 : 1;
  const closeExcess = sign * ((c[m - 1] as number) / prev - 1 - stress.medianRet1Pct / 100);
  const extreme = stress.direction === 'down' ? (tail.low[m - 1] as number) : (tail.high[m - 1] as number);
  const excursionExcess = sign * (extreme / prev - 1 - stress.medianExcursionPct / 100);
  // Beyond the floor, the symbol must also have gone more than twice the median symbol's way.
  const needed = Math.max(t.stressIdiosyncraticMove, Math.abs(stress.medianExcursionPct) / 100);
  if (Math.max(closeExcess, excursionExcess) >= needed) return flags;
  return flags.filter((f) => !PRICE_PATTERN_FLAGS.includes(f.name));
}

/** The options' thresholds over the defaults (the defaults themselves when none are overridden). */
function thresholdsOf(options: RadarOptions): RuleThresholds {
  return options.thresholds ? { ...DEFAULT_RULE_THRESHOLDS, ...options.thresholds } : DEFAULT_RULE_THRESHOLDS;
}

/** Flags whose figures are net of the peers' move, and so say when there were no peers to net. */
const PEER_RELATIVE_FLAGS: readonly string[] = ['collapse', 'pump_onset'];

/** Open time of the snapshot's last bar; NaN without candles. */
function lastBarOpen(snapshot: MarketSnapshot): number {
  const n = snapshot.candles.openTimeMs.length;
  return n > 0 ? (snapshot.candles.openTimeMs[n - 1] as number) : Number.NaN;
}

/**
 * `analyzeSnapshot` with its options resolved, so a radar resolves them once, not per symbol.
 * `given` is the cycle's cross-section; the symbol is measured against the one of its own last
 * bar, so a symbol whose feed stalled is not compared to market moves it did not live through.
 */
function analyzeWith(snapshot: MarketSnapshot, model: LogisticModel, t: RuleThresholds, given: MarketContext | null): SnapshotAnalysis {
  const lastOpen = lastBarOpen(snapshot);
  const lagging = given !== null && lastOpen < given.barOpenTimeMs;
  const market = given && Number.isFinite(lastOpen) ? marketContextAt(given, lastOpen) : null;
  const tailOut: { tail: CandleTail | null } = { tail: null };
  const candle = computeCandleFeatures(snapshot.candles, snapshot.barMs, tailOut);
  const book = snapshot.book ? computeBookFeatures(snapshot.book) : null;
  const ctx: RuleContext = { snapshot, candle, tail: tailOut.tail, book, market, t };
  let flags: ManipFlag[] = [];
  for (const rule of RULES) {
    const f = rule(ctx);
    if (f) flags.push(f);
  }
  flags = marketExplained(flags, tailOut.tail, market, t);
  const manipScore = scoreRow(model, radarFeatureRow(flags, candle), flags.length);
  const manip: ManipResult = { symbol: snapshot.symbol, manipScore, flags };
  if (lagging) {
    manip.peerContext = { lastBarOpenTimeMs: lastOpen, marketBarOpenTimeMs: (given as MarketContext).barOpenTimeMs, context: market ? 'own_bar' : 'none' };
    if (!market) for (const f of flags) if (PEER_RELATIVE_FLAGS.includes(f.name)) f.evidence.peers = 'none';
  }
  return { candle, book, manip };
}

/** Shorthand for the verdict alone. */
export function scoreManipulation(snapshot: MarketSnapshot, options: RadarOptions = {}, market: MarketContext | null = null): ManipResult {
  return analyzeSnapshot(snapshot, options, market).manip;
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

  /**
   * The analysis of one snapshot, measured against `market` (the cycle's cross-section, from
   * `computeMarketContext`; for a symbol whose last bar lags it, the cross-section of that bar)
   * when given; cached until the snapshot or the context it is measured against changes.
   */
  analyze(snapshot: MarketSnapshot, market: MarketContext | null = null): SnapshotAnalysis {
    const base = snapshotKey(snapshot);
    let key = base;
    if (market) {
      const lastOpen = lastBarOpen(snapshot);
      // A laggard's result names the newest bar too (`peerContext`), so that is part of its identity.
      key = lastOpen < market.barOpenTimeMs ? `${base}#${market.barOpenTimeMs}>${marketContextAt(market, lastOpen)?.key ?? 'none'}` : `${base}#${market.key}`;
    }
    const hit = this.cache.get(snapshot.symbol);
    if (hit && hit.key === key) return hit.analysis;
    const analysis = analyzeWith(snapshot, this.model, this.thresholds, market);
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
