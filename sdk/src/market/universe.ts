import picomatch from 'picomatch';
import type { Market, Ticker } from '@perpscope/shared';

/** Which markets enter the universe. Lists hold symbols, bases, exchange ids or globs. */
export interface UniverseGates {
  /** Settlement currency of the swaps considered. */
  settle: string;
  minQuoteVolumeUsd: number;
  minPrice: number;
  /** Widest bid/ask spread allowed; `Infinity` turns the gate off. */
  maxSpreadBps: number;
  /** When non-empty, only markets matching one of these enter. */
  include: readonly string[];
  /** Markets matching any of these never enter (e.g. `BTCDOM-*`). */
  exclude: readonly string[];
  blueChipBases: readonly string[];
  /** Keep only markets whose base is in `blueChipBases`. */
  blueChipOnly: boolean;
  /** Largest universe; `Infinity` for no cap. */
  topN: number;
}

export const DEFAULT_UNIVERSE_GATES: UniverseGates = {
  settle: 'USDT',
  minQuoteVolumeUsd: 0,
  minPrice: 0,
  maxSpreadBps: Infinity,
  include: [],
  exclude: [],
  blueChipBases: ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'DOGE', 'ADA', 'LINK', 'DOT', 'LTC', 'TRX', 'AVAX', 'BCH', 'XMR', 'ATOM', 'FIL', 'AAVE', 'UNI', 'ETC', 'NEAR'],
  blueChipOnly: false,
  topN: Infinity,
};

/** Why a market is not (or no longer) in the universe. */
export const UniverseReason = {
  notSwap: 'not_usdt_swap',
  inactive: 'inactive',
  delisted: 'delisted',
  notIncluded: 'not_included',
  excluded: 'excluded',
  notBlueChip: 'not_blue_chip',
  noTicker: 'no_ticker',
  belowMinPrice: 'below_min_price',
  belowMinQuoteVolume: 'below_min_quote_volume',
  noQuotes: 'no_bid_ask',
  spreadTooWide: 'spread_too_wide',
  outsideTopN: 'outside_top_n',
} as const;
export type UniverseReason = (typeof UniverseReason)[keyof typeof UniverseReason];

export interface UniverseMember {
  symbol: string;
  base: string;
  /** 1 is the highest 24h quote volume. */
  rank: number;
  quoteVolume24h: number;
  last: number;
  /** `NaN` when the ticker has no bid/ask. */
  spreadBps: number;
}

export interface UniverseRanking {
  members: UniverseMember[];
  rejected: Map<string, UniverseReason>;
}

export interface UniverseChange {
  atMs: number;
  members: UniverseMember[];
  added: { symbol: string; rank: number }[];
  removed: { symbol: string; reason: UniverseReason }[];
}

/** Spread in bps of mid; `NaN` without a two-sided quote. */
export function spreadBpsOf(ticker: Pick<Ticker, 'bid' | 'ask'>): number {
  const { bid, ask } = ticker;
  if (bid === undefined || ask === undefined || !(bid > 0) || !(ask > 0)) return NaN;
  return ((ask - bid) / ((ask + bid) / 2)) * 10_000;
}

type Matcher = (market: Market) => boolean;

function listMatcher(patterns: readonly string[]): Matcher {
  if (patterns.length === 0) return () => false;
  const isMatch = picomatch([...patterns], { nocase: true, dot: true });
  return (m) => isMatch(m.base) || isMatch(m.id) || isMatch(m.symbol);
}

/**
 * Ranks the active USDT-settled swaps by 24h quote volume after every gate; ties break by
 * symbol so the order is deterministic. Pure: the same markets and tickers give the same answer.
 *
 * @example
 * const { members } = rankUniverse(markets, tickersBySymbol, { ...DEFAULT_UNIVERSE_GATES, topN: 50 });
 */
export function rankUniverse(markets: readonly Market[], tickers: ReadonlyMap<string, Ticker>, gates: UniverseGates): UniverseRanking {
  const included = listMatcher(gates.include);
  const excluded = listMatcher(gates.exclude);
  const blueChips = new Set(gates.blueChipBases.map((b) => b.toUpperCase()));
  const rejected = new Map<string, UniverseReason>();
  const passed: Omit<UniverseMember, 'rank'>[] = [];
  for (const m of markets) {
    const reason = gateReason(m, tickers.get(m.symbol), gates, included, excluded, blueChips);
    if (reason) {
      rejected.set(m.symbol, reason);
      continue;
    }
    const t = tickers.get(m.symbol)!;
    passed.push({ symbol: m.symbol, base: m.base, quoteVolume24h: t.quoteVolume24h, last: t.last, spreadBps: spreadBpsOf(t) });
  }
  passed.sort((a, b) => b.quoteVolume24h - a.quoteVolume24h || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const members: UniverseMember[] = [];
  passed.forEach((p, i) => {
    if (i < gates.topN) members.push({ ...p, rank: i + 1 });
    else rejected.set(p.symbol, UniverseReason.outsideTopN);
  });
  return { members, rejected };
}

function gateReason(
  m: Market,
  t: Ticker | undefined,
  gates: UniverseGates,
  included: Matcher,
  excluded: Matcher,
  blueChips: ReadonlySet<string>,
): UniverseReason | undefined {
  if (m.type !== 'swap' || m.settle.toUpperCase() !== gates.settle.toUpperCase()) return UniverseReason.notSwap;
  if (!m.active) return UniverseReason.inactive;
  if (gates.include.length > 0 && !included(m)) return UniverseReason.notIncluded;
  if (excluded(m)) return UniverseReason.excluded;
  if (gates.blueChipOnly && !blueChips.has(m.base.toUpperCase())) return UniverseReason.notBlueChip;
  if (!t) return UniverseReason.noTicker;
  if (!(t.last >= gates.minPrice)) return UniverseReason.belowMinPrice;
  if (!(t.quoteVolume24h >= gates.minQuoteVolumeUsd)) return UniverseReason.belowMinQuoteVolume;
  if (Number.isFinite(gates.maxSpreadBps)) {
    const spread = spreadBpsOf(t);
    if (Number.isNaN(spread)) return UniverseReason.noQuotes;
    if (spread > gates.maxSpreadBps) return UniverseReason.spreadTooWide;
  }
  return undefined;
}

/**
 * What changed between two rankings. A member whose market vanished from the exchange leaves as
 * `delisted`; otherwise it leaves with the gate that now rejects it (`inactive` for a halt).
 */
export function diffUniverse(previous: readonly UniverseMember[], next: UniverseRanking, atMs: number): UniverseChange {
  const before = new Set(previous.map((m) => m.symbol));
  const after = new Set(next.members.map((m) => m.symbol));
  return {
    atMs,
    members: next.members,
    added: next.members.filter((m) => !before.has(m.symbol)).map((m) => ({ symbol: m.symbol, rank: m.rank })),
    removed: previous
      .filter((m) => !after.has(m.symbol))
      .map((m) => ({ symbol: m.symbol, reason: next.rejected.get(m.symbol) ?? UniverseReason.delisted })),
  };
}
