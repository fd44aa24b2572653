import { contractsToBase, type Ranker, type RankingQueryInput, type RankingResult, type UniverseMember } from '@perpscope/sdk';
import { timeframeMs, type Candle, type RankingRowView, type RankingSnapshotView, type Timeframe } from '@perpscope/shared';
import type { RankingPort } from './ports.js';
import { change24hFromCandles, toRankingSnapshotView, type RankingContext } from './rankingAdapter.js';

/** The part of the sdk Engine the ranking port reads. */
export interface RankingEngine {
  readonly config: { timeframes: readonly Timeframe[] };
  analyzer(): { ranker: Ranker } | undefined;
  latestRanking(): RankingResult | null;
  rank(query?: RankingQueryInput): RankingResult;
  universe(): readonly UniverseMember[];
  orderFlow(symbol: string): { funding?: { rate: number } } | undefined;
  candles(symbol: string, timeframe: Timeframe, count?: number): Candle[];
  /** The venue's market specs, for each row's price tick and amount step. */
  markets?(): readonly { symbol: string; tickSize: number; lotSize: number; contractSize?: number }[];
}

export interface RankingAdapter {
  port: RankingPort;
  /** Maps one engine ranking (cached per result). */
  fromResult(result: RankingResult): RankingSnapshotView;
  /** The current snapshot under the active profile, re-ranked if the profile or its weights changed. */
  refresh(): RankingSnapshotView | null;
  /** One symbol's row of the current snapshot. */
  row(symbol: string): RankingRowView | null;
}

/** Rankings the engine computed on request, kept per profile/weights version/cycle. */
const ON_DEMAND_CACHE = 8;
/** The engine's ranker returns at most this many rows. */
const MAX_ROWS = 1000;

/**
 * `rankings.latest` over the engine: the last analysis cycle when it matches the requested profile
 * and the current weights, else a fresh `engine.rank` (so a profile switch or edit shows at once).
 */
export function createRankingAdapter(engine: RankingEngine, o: { activeProfile: () => string; venue?: string }): RankingAdapter {
  const views = new WeakMap<RankingResult, RankingSnapshotView>();
  const onDemand = new Map<string, RankingResult>();
  const rankingTf = [...engine.config.timeframes].sort((a, b) => timeframeMs(b) - timeframeMs(a))[0]!;
  const barsPerDay = Math.round(86_400_000 / timeframeMs(rankingTf));

  function context(): RankingContext {
    const members = new Map(engine.universe().map((m) => [m.symbol, m]));
    const specs = new Map((engine.markets?.() ?? []).map((m) => [m.symbol, m]));
    return {
      member: (symbol) => members.get(symbol),
      grid: (symbol) => {
        const spec = specs.get(symbol);
        // The venue's lot is in contracts; the app shows sizes in base units.
        return spec ? { priceTick: spec.tickSize > 0 ? spec.tickSize : null, amountStep: spec.lotSize > 0 ? contractsToBase(spec, spec.lotSize) : null } : undefined;
      },
      fundingRate: (symbol) => engine.orderFlow(symbol)?.funding?.rate,
      change24hPct: (symbol) => change24hFromCandles(engine.candles(symbol, rankingTf, barsPerDay + 1), rankingTf),
      ...(o.venue !== undefined ? { venue: o.venue } : {}),
    };
  }

  function fromResult(result: RankingResult): RankingSnapshotView {
    let view = views.get(result);
    if (!view) {
      const ranker = engine.analyzer()?.ranker;
      const opportunities = ranker?.opportunities(result, result.rows.length) ?? [];
      view = toRankingSnapshotView(result, opportunities, context(), ranker?.orientation ?? null);
      views.set(result, view);
    }
    return view;
  }

  function latest(profile?: string): RankingSnapshotView | null {
    const analyzer = engine.analyzer();
    const last = engine.latestRanking();
    if (!analyzer || !last) return null;
    const name = profile ?? o.activeProfile();
    const version = analyzer.ranker.profiles.version;
    if (last.profile === name && last.profileVersion === version) return fromResult(last);
    const key = `${name}|${version}|${last.atMs}|${last.rows.length}`;
    let result = onDemand.get(key);
    if (!result) {
      result = engine.rank({ profile: name, top: MAX_ROWS });
      onDemand.set(key, result);
      if (onDemand.size > ON_DEMAND_CACHE) onDemand.delete(onDemand.keys().next().value!);
    }
    return fromResult(result);
  }

  return {
    port: { latest },
    fromResult,
    refresh: () => latest(),
    row: (symbol) => latest()?.rows.find((r) => r.symbol === symbol) ?? null,
  };
}
