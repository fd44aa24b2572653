import type { Opportunity, RankingResult, RankingRow } from '@perpscope/sdk';
import { timeframeMs, type Candle, type ManipFlagView, type RankingRowView, type RankingSideView, type RankingSnapshotView, type Timeframe } from '@perpscope/shared';

/** What the row mapping reads besides the ranking itself: ticker figures, funding, 24h change. */
export interface RankingContext {
  /** Last traded price and ticker spread of a universe member. */
  member(symbol: string): { last: number; spreadBps: number } | undefined;
  fundingRate(symbol: string): number | undefined;
  /** Percent change of the last close over the close 24 h earlier; undefined without that history. */
  change24hPct(symbol: string): number | undefined;
  /** The market's price tick and amount step in base units, when the engine knows them. */
  grid?(symbol: string): { priceTick: number | null; amountStep: number | null } | undefined;
  /** The exchange id the engine ranks (each row's venue). */
  venue?: string;
}

/** A manipulation flag of a ranking row (the manipulation module is not exported by the sdk). */
type ManipFlag = RankingRow['flags'][number];

const FLAG_TEXT: Record<ManipFlag['name'], string> = {
  spoofing_depth_imbalance: 'Large resting wall on one side of the book (possible spoofing)',
  liquidity_vacuum: 'Book is thin around the mid: small orders move the price',
  scam_wick: 'Long wick that reverted within the bar',
  exhausted_spike: 'Price spike on a volume burst that is losing steam',
  funding_divergence: 'Funding disagrees with the price trend',
  oi_price_divergence: 'Open interest moves against the price',
  post_surge_reversal: 'Reversal after a sharp surge (pump-and-dump pattern)',
  wash_trade_volume: 'Volume out of line with the book and trade count (possible wash trading)',
  fresh_listing: 'Recently listed market: thin history, erratic moves',
  collapse: 'Crash far beyond its own history and its peers, with no pump before it and no rebound',
  pump_onset: 'Price and volume burst ahead of its peers, or volume building on a flat price',
};

const finiteOrNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/** A manipulation flag as the UI shows it: a sentence plus its evidence figures. */
export function toFlagView(flag: ManipFlag): ManipFlagView {
  const evidence: ManipFlagView['evidence'] = {};
  for (const [k, v] of Object.entries(flag.evidence)) if (typeof v === 'string' || Number.isFinite(v)) evidence[k] = v;
  const severityPct = Math.round(flag.severity * 100);
  return { name: flag.name, severity: flag.severity, message: `${FLAG_TEXT[flag.name] ?? flag.name} (severity ${severityPct}%)`, evidence };
}

/** Score components for tooltips: the profile's edges and the two penalties. */
function components(row: RankingRow): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(row.edges)) if (Number.isFinite(v)) out[k] = v;
  out.costPenalty = row.costPenalty;
  out.manipPenalty = row.manipPenalty;
  return out;
}

/** One ranking row as the table shows it; `opportunity` gives the confidence and the ATR plan. */
export function toRankingRowView(row: RankingRow, opportunity: Opportunity | undefined, ctx: RankingContext): RankingRowView {
  const m = row.metrics;
  const member = ctx.member(row.symbol);
  const spread = Number.isFinite(m.spreadBps) ? m.spreadBps : member?.spreadBps;
  return {
    symbol: row.symbol,
    ...(ctx.venue !== undefined ? { exchange: ctx.venue } : {}),
    rank: row.rank,
    score: row.score,
    bias: row.side === 'flat' ? 'neutral' : row.side,
    // A flat row has no trade idea, so nothing to be confident about.
    confidence: opportunity?.confidence ?? 0,
    lastPrice: finiteOrNull(member?.last ?? m.close),
    change24hPct: finiteOrNull(ctx.change24hPct(row.symbol)),
    quoteVolume24hUsd: finiteOrNull(m.quoteVolume24hUsd),
    spreadBps: finiteOrNull(spread),
    atrPct: finiteOrNull(m.atrPct),
    fundingRate: finiteOrNull(ctx.fundingRate(row.symbol)),
    manipScore: finiteOrNull(row.manipScore),
    flags: row.flags.map(toFlagView),
    components: components(row),
    stopPrice: opportunity ? finiteOrNull(opportunity.stop) : null,
    targetPrices: opportunity ? [opportunity.tp1, opportunity.tp2].filter((p) => Number.isFinite(p)) : [],
    book: row.book,
    ...(m.inputs ? { inputs: { funding: m.inputs.funding, openInterest: m.inputs.openInterest, listing: m.inputs.listing } } : {}),
    ...(ctx.grid?.(row.symbol) ?? {}),
  };
}

/** A full ranking result as a snapshot view; `opportunities` covers the rows with a side bias. */
/** The side rule of a ranking as the view shows it; `orientation` gives the evidence's horizon. */
export function toRankingSideView(side: RankingResult['side'], orientation: { horizonBars: number; timeframe: string } | null): RankingSideView {
  const measured = side.evidence.length > 0 && orientation !== null;
  return {
    basis: side.basis,
    horizonBars: measured ? orientation.horizonBars : null,
    timeframe: measured ? orientation.timeframe : null,
    evidence: side.evidence.map((e) => ({ ...e })),
  };
}

export function toRankingSnapshotView(
  result: RankingResult,
  opportunities: readonly Opportunity[],
  ctx: RankingContext,
  orientation: { horizonBars: number; timeframe: string } | null = null,
): RankingSnapshotView {
  const bySymbol = new Map(opportunities.map((o) => [o.symbol, o]));
  return {
    asOfMs: result.atMs > 0 ? Math.floor(result.atMs) : null,
    profile: result.profile,
    side: toRankingSideView(result.side, orientation),
    total: result.rows.length,
    rows: result.rows.map((r) => toRankingRowView(r, bySymbol.get(r.symbol), ctx)),
    ...(result.computeMs !== undefined ? { computeMs: result.computeMs } : {}),
  };
}

/** Percent change over 24 h from candles of one timeframe (oldest first); undefined without the history. */
export function change24hFromCandles(candles: readonly Candle[], timeframe: Timeframe): number | undefined {
  const last = candles[candles.length - 1];
  if (!last) return undefined;
  const targetMs = last.openTimeMs - 86_400_000;
  const bars = Math.round(86_400_000 / timeframeMs(timeframe));
  const ref = candles[candles.length - 1 - bars];
  if (!ref || ref.openTimeMs > targetMs || !(ref.close > 0)) return undefined;
  return ((last.close - ref.close) / ref.close) * 100;
}
