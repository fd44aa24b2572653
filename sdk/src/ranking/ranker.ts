import { ManipulationRadar, computeMarketContext, type MarketContext, type MarketSnapshot, type MarketStress, type SnapshotAnalysis } from '../manipulation/index.js';
import { computeSymbolMetrics, type SymbolMetrics } from './metrics.js';
import { buildOpportunities, type Opportunity } from './opportunities.js';
import { DEFAULT_RANKING_ORIENTATION, rankingSide, type RankingOrientationFile, type RankingSide } from './orientation.js';
import { ProfileRegistry } from './profiles.js';
import { parseRankingQuery, type RankingQuery, type RankingQueryInput } from './query.js';
import { rankEntries, type RankEntry, type RankingRow } from './rank.js';

export interface RankingResult {
  /** Latest `nowMs` among the snapshots. */
  atMs: number;
  profile: string;
  /** Registry version the weights came from; changes after every hot apply. */
  profileVersion: number;
  /** Symbols with enough candles to rank, before filters. */
  universe: number;
  query: RankingQuery;
  /** How the rows' sides were chosen for this profile, and the out-of-sample evidence behind it. */
  side: RankingSide;
  rows: RankingRow[];
  /**
   * A market-wide move on the universe's last bar (most symbols moving together), raised once
   * here instead of as per-symbol flags; null when there is none or too few symbols to judge.
   */
  marketStress: MarketStress | null;
  /**
   * Wall-clock milliseconds the engine's ranking cycle took to compute (snapshots, features,
   * scores); set on the cycle's own result, absent on an on-demand `rank()`.
   */
  computeMs?: number;
}

export interface RankerOptions {
  profiles?: ProfileRegistry;
  radar?: ManipulationRadar;
  /**
   * The side rule per profile. Absent: the SDK's shipped `orientations/default.json`; null: every
   * profile on the momentum side.
   */
  orientation?: RankingOrientationFile | null;
}

/**
 * The per-cycle entry point for the engine: snapshots in, ranked rows out. Per-symbol work (radar
 * and metrics) is cached by snapshot identity, so only symbols whose inputs changed are
 * recomputed; the cross-section (medians over ~400 values) is redone every cycle.
 *
 * @example
 * const ranker = new Ranker();
 * const result = ranker.rank(snapshots, { profile: 'swing', top: 10, maxManipScore: 60 });
 */
export class Ranker {
  readonly profiles: ProfileRegistry;
  readonly radar: ManipulationRadar;
  readonly orientation: RankingOrientationFile | null;
  private readonly metricsCache = new Map<string, { analysis: SnapshotAnalysis; notionalUsd: number; metrics: SymbolMetrics | null }>();
  /** Cross-section of the snapshots last given to `entries`. */
  private market: MarketContext | null = null;

  constructor(options: RankerOptions = {}) {
    this.profiles = options.profiles ?? new ProfileRegistry();
    this.radar = options.radar ?? new ManipulationRadar();
    this.orientation = options.orientation === undefined ? DEFAULT_RANKING_ORIENTATION : options.orientation;
  }

  /**
   * Radar plus metrics for each snapshot, reusing cached work where the inputs did not change.
   * The radar measures each symbol against the snapshots' cross-section (peer-relative moves,
   * market stress).
   */
  entries(snapshots: readonly MarketSnapshot[], notionalUsd: number): RankEntry[] {
    const out: RankEntry[] = [];
    const market = computeMarketContext(snapshots);
    this.market = market;
    for (const s of snapshots) {
      const analysis = this.radar.analyze(s, market);
      const hit = this.metricsCache.get(s.symbol);
      let metrics: SymbolMetrics | null;
      if (hit && hit.analysis === analysis && hit.notionalUsd === notionalUsd) metrics = hit.metrics;
      else {
        metrics = computeSymbolMetrics(s, analysis, notionalUsd);
        if (hit) {
          // Reuse the entry: every symbol misses on a bar close, and a new entry each time is garbage.
          hit.analysis = analysis;
          hit.notionalUsd = notionalUsd;
          hit.metrics = metrics;
        } else this.metricsCache.set(s.symbol, { analysis, notionalUsd, metrics });
      }
      if (metrics) out.push({ metrics, manip: analysis.manip });
    }
    return out;
  }

  /** Ranks the snapshots under `query` (validated; defaults filled) with the profile's current weights. */
  rank(snapshots: readonly MarketSnapshot[], query: RankingQueryInput | RankingQuery = {}): RankingResult {
    const q = parseRankingQuery(query);
    const weights = this.profiles.get(q.profile);
    const entries = this.entries(snapshots, q.notionalUsd);
    const side = rankingSide(this.orientation, q.profile, weights);
    let atMs = 0;
    for (const s of snapshots) if (s.nowMs > atMs) atMs = s.nowMs;
    return {
      atMs,
      profile: q.profile,
      profileVersion: this.profiles.version,
      universe: entries.length,
      query: q,
      side,
      rows: rankEntries(entries, q, weights, side.basis),
      marketStress: this.market?.stress ?? null,
    };
  }

  /** The top `n` opportunities of a ranking result, with the levels of its profile. */
  opportunities(result: RankingResult, n = 10): Opportunity[] {
    return buildOpportunities(result.rows, this.profiles.get(result.profile), n);
  }

  /** Drops cached work for symbols that left the universe. */
  retain(symbols: Iterable<string>): void {
    const keep = new Set(symbols);
    this.radar.retain(keep);
    for (const s of this.metricsCache.keys()) if (!keep.has(s)) this.metricsCache.delete(s);
  }
}
