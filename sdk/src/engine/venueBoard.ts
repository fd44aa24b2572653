import { BASE_TAKER_FEE_RATES, DEFAULT_FUNDING_INTERVAL_HOURS } from '../market/perpDefaults.js';
import { crossVenueRows, type CrossVenueResult, type CrossVenueRow, type RankingResult, type RankingRow, type VenueQuote } from '../ranking/index.js';
import type { Engine } from './createEngine.js';

/** One venue's engine, under the exchange id its rows are shown with. */
export interface VenueEngine {
  venue: string;
  engine: Pick<Engine, 'universe' | 'markets' | 'orderFlow'>;
}

/** What a venue quotes for every symbol of its universe, after an order-flow pass (mark, funding) and from its markets (fees). */
export function venueQuotes(venue: string, engine: VenueEngine['engine']): VenueQuote[] {
  const markets = new Map(engine.markets().map((m) => [m.symbol, m]));
  return engine.universe().map((member) => {
    const flow = engine.orderFlow(member.symbol);
    const market = markets.get(member.symbol);
    const mark = flow?.markPrice;
    return {
      venue,
      symbol: member.symbol,
      price: mark?.markPrice ?? member.last,
      ...(mark?.indexPrice !== undefined ? { indexPrice: mark.indexPrice } : {}),
      fundingRate: flow?.funding?.rate,
      fundingIntervalHours: flow?.funding?.intervalHours ?? DEFAULT_FUNDING_INTERVAL_HOURS,
      // A venue without a market fee and not in the table gets NaN: its quotes are skipped from the cross-venue rows.
      takerFeeRate: market && market.takerFee > 0 ? market.takerFee : (BASE_TAKER_FEE_RATES[venue] ?? NaN),
    };
  });
}

/** The rows of every venue, best score first (a tie keeps the venues' order); each keeps its rank within its venue. */
export function mergeVenueRows<R extends { score: number }>(perVenue: readonly { venue: string; rows: readonly R[] }[]): (R & { venue: string })[] {
  const all = perVenue.flatMap(({ venue, rows }) => rows.map((row) => ({ venue, ...row })));
  return all
    .map((row, i) => ({ row, i }))
    .sort((a, b) => b.row.score - a.row.score || a.i - b.i)
    .map(({ row }) => row);
}

/** Best rows of each measure, at most `top` of each (funding spreads first). */
export function topOfEachMeasure(rows: readonly CrossVenueRow[], top: number): CrossVenueRow[] {
  return [...rows.filter((r) => r.measure === 'fundingSpread').slice(0, top), ...rows.filter((r) => r.measure === 'basis').slice(0, top)];
}

/** A ranking row under its venue. */
export type VenueRankingRow = RankingRow & { venue: string };

/** Several venues' rankings in one table, and the cross-venue rows of the assets they share. */
export interface VenueBoard {
  /** Every venue's ranked rows, best score first. */
  rows: VenueRankingRow[];
  /** Venues with no ranking yet (still warming up). */
  pending: string[];
  cross: CrossVenueResult;
}

/**
 * The board of several engines at once (`run --exchange a,b`, `scan --exchange a,b`): each venue's
 * latest ranking merged by score with a venue column, and the funding-spread and basis rows of
 * every asset listed on two or more of them, after fees, from each venue's own quotes.
 */
export function venueBoard(venues: readonly (VenueEngine & { ranking: RankingResult | null })[]): VenueBoard {
  const ranked = venues.filter((v) => v.ranking !== null);
  return {
    rows: mergeVenueRows(ranked.map((v) => ({ venue: v.venue, rows: v.ranking!.rows }))),
    pending: venues.filter((v) => v.ranking === null).map((v) => v.venue),
    cross: crossVenueRows(venues.flatMap((v) => venueQuotes(v.venue, v.engine))),
  };
}
