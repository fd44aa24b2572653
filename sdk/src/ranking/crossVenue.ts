import { ConfigError } from '../core/errors.js';

/**
 * Cross-venue figures for one base asset listed on several exchanges: the funding spread (long
 * where funding is lower, short where it is higher) and the basis (buy the cheaper venue, sell
 * the dearer), each net of the taker fees of a round trip on both legs.
 *
 * Conventions: every bps and pct figure is of ONE leg's notional (both legs carry the same
 * notional); a round trip is four taker fills (open and close on each venue). Funding figures are
 * a carry computation from the rates quoted now, not a forecast: funding changes every interval.
 *
 * Bad input never throws here: a quote that cannot be used is left out and reported in
 * `skipped` (field, value, expectation), so one broken venue or symbol does not hide the rest.
 * Only bad options (the horizon) are a ConfigError: they are a caller's mistake, not market data.
 */

/** What one venue quotes for one symbol. */
export interface VenueQuote {
  /** Exchange id, e.g. `binanceusdm`. */
  venue: string;
  /** ccxt unified symbol, e.g. `BTC/USDT:USDT`. */
  symbol: string;
  /** Mark price, else last trade price. */
  price: number;
  /** The venue's index price, when it publishes one. */
  indexPrice?: number;
  /** Funding rate per funding interval, as a fraction (0.0001 = 1 bp); undefined when unknown. */
  fundingRate: number | undefined;
  /** Length of one funding interval in hours; undefined when unknown. */
  fundingIntervalHours: number | undefined;
  /** Taker fee rate as a fraction of notional (0.0005 = 5 bps). */
  takerFeeRate: number;
}

export interface CrossVenueOptions {
  /** How long a funding carry is held, for its net figure (default 24). */
  horizonHours?: number;
}

/** One side of a cross-venue pair. */
export interface CrossVenueLeg {
  venue: string;
  symbol: string;
  price: number;
  takerFeeRate: number;
  /** Funding per 8h as a percent (null: unknown on this venue). */
  fundingPer8hPct: number | null;
  /** (price - index) / index in bps, when the venue gives an index. */
  premiumBps: number | null;
}

interface CrossVenueBase {
  measure: 'fundingSpread' | 'basis';
  /** Normalized asset key: the base of a USDT-margined linear perpetual (`BTC`). */
  asset: string;
  /** Round-trip taker fees of both legs (4 fills), bps of one leg's notional. */
  feesBps: number;
}

/** Long the venue with the lower funding, short the one with the higher: collect the difference. */
export interface FundingSpreadRow extends CrossVenueBase {
  measure: 'fundingSpread';
  long: CrossVenueLeg;
  short: CrossVenueLeg;
  /** Short's minus long's funding per 8h, bps (never negative). */
  spreadPer8hBps: number;
  /** The same, per 8h, percent. */
  fundingPer8hPct: number;
  /** `spreadPer8hBps` over 365 days of 8h periods, percent (simple, not compounded). */
  annualizedPct: number;
  /** 8h periods of carry at the current spread that pay back `feesBps`; null when the spread is 0. */
  paybackPeriods8h: number | null;
  horizonHours: number;
  /** Carry over `horizonHours` at the current spread minus `feesBps`. */
  netAfterFeesBps: number;
  /** What the funding figures are: today's rates carried forward, which funding will not do. */
  note: 'carry at current rates, not a forecast';
}

/** Buy the cheaper venue, sell the dearer: the gap, if it closes, minus the fees. */
export interface BasisRow extends CrossVenueBase {
  measure: 'basis';
  /** The cheaper venue (the buy leg). */
  long: CrossVenueLeg;
  /** The dearer venue (the sell leg). */
  short: CrossVenueLeg;
  /** (dear - cheap) / mid, bps (never negative). */
  spreadBps: number;
  /** `spreadBps - feesBps`. */
  netAfterFeesBps: number;
}

export type CrossVenueRow = FundingSpreadRow | BasisRow;

/** A quote left out of some or all rows, and why. */
export interface SkippedQuote {
  venue: string;
  symbol: string;
  /** `all`: the quote is in no row; `fundingSpread`: only funding rows lack it. */
  scope: 'all' | 'fundingSpread';
  field: string;
  received: string;
  expected: string;
}

export interface CrossVenueResult {
  /** Funding rows first, then basis rows; each by `netAfterFeesBps`, best first, then asset and venues. */
  rows: CrossVenueRow[];
  skipped: SkippedQuote[];
}

/** Default carry horizon for the funding net figure. */
export const DEFAULT_CARRY_HORIZON_HOURS = 24;

const PERIODS_8H_PER_YEAR = 365 * 3;

/** A ccxt unified USDT-margined linear perpetual: `BASE/USDT:USDT` (no expiry suffix). */
const USDT_LINEAR_PERP = /^([A-Z0-9]+)\/USDT:USDT$/;

/** The asset key of a USDT-margined linear perpetual (`BTC` for `BTC/USDT:USDT`), else null. */
export function crossVenueAssetKey(symbol: string): string | null {
  return USDT_LINEAR_PERP.exec(symbol)?.[1] ?? null;
}

/** Round-trip taker fees of a two-venue position (open and close on each), bps of one leg's notional. */
export function roundTripFeesBps(takerFeeRateA: number, takerFeeRateB: number): number {
  return 2 * (takerFeeRateA + takerFeeRateB) * 10_000;
}

const show = (v: unknown): string => (typeof v === 'number' ? String(v) : v === undefined ? 'undefined' : JSON.stringify(v));

interface UsableQuote {
  quote: VenueQuote;
  asset: string;
  /** Funding per 8h as a fraction; null when the quote has no usable funding. */
  fundingPer8h: number | null;
}

/** Checks one quote; what is wrong goes to `skipped`. */
function admit(q: VenueQuote, skipped: SkippedQuote[]): UsableQuote | null {
  const skip = (scope: SkippedQuote['scope'], field: string, received: unknown, expected: string) =>
    skipped.push({ venue: q.venue, symbol: q.symbol, scope, field, received: show(received), expected });
  const asset = crossVenueAssetKey(q.symbol);
  if (asset === null) {
    skip('all', 'symbol', q.symbol, 'a USDT-margined linear perpetual, BASE/USDT:USDT');
    return null;
  }
  if (!(Number.isFinite(q.price) && q.price > 0)) {
    skip('all', 'price', q.price, 'a finite price > 0');
    return null;
  }
  if (!(Number.isFinite(q.takerFeeRate) && q.takerFeeRate >= 0)) {
    skip('all', 'takerFeeRate', q.takerFeeRate, 'a finite fee rate >= 0');
    return null;
  }
  let fundingPer8h: number | null = null;
  if (q.fundingRate === undefined || !Number.isFinite(q.fundingRate)) {
    skip('fundingSpread', 'fundingRate', q.fundingRate, 'a finite funding rate per interval');
  } else if (q.fundingIntervalHours === undefined || !(Number.isFinite(q.fundingIntervalHours) && q.fundingIntervalHours > 0)) {
    skip('fundingSpread', 'fundingIntervalHours', q.fundingIntervalHours, 'a funding interval > 0 hours');
  } else {
    fundingPer8h = (q.fundingRate * 8) / q.fundingIntervalHours;
  }
  return { quote: q, asset, fundingPer8h };
}

function leg(u: UsableQuote): CrossVenueLeg {
  const q = u.quote;
  const index = q.indexPrice !== undefined && Number.isFinite(q.indexPrice) && q.indexPrice > 0 ? q.indexPrice : null;
  return {
    venue: q.venue,
    symbol: q.symbol,
    price: q.price,
    takerFeeRate: q.takerFeeRate,
    fundingPer8hPct: u.fundingPer8h === null ? null : u.fundingPer8h * 100,
    premiumBps: index === null ? null : ((q.price - index) / index) * 10_000,
  };
}

function fundingRow(asset: string, a: UsableQuote, b: UsableQuote, horizonHours: number): FundingSpreadRow {
  // Ties keep the input order: the first venue is the long leg.
  const [lo, hi] = b.fundingPer8h! < a.fundingPer8h! ? [b, a] : [a, b];
  const spreadPer8hBps = (hi.fundingPer8h! - lo.fundingPer8h!) * 10_000;
  const feesBps = roundTripFeesBps(a.quote.takerFeeRate, b.quote.takerFeeRate);
  return {
    measure: 'fundingSpread',
    asset,
    long: leg(lo),
    short: leg(hi),
    spreadPer8hBps,
    fundingPer8hPct: spreadPer8hBps / 100,
    annualizedPct: (spreadPer8hBps / 100) * PERIODS_8H_PER_YEAR,
    feesBps,
    paybackPeriods8h: spreadPer8hBps > 0 ? feesBps / spreadPer8hBps : null,
    horizonHours,
    netAfterFeesBps: spreadPer8hBps * (horizonHours / 8) - feesBps,
    note: 'carry at current rates, not a forecast',
  };
}

function basisRow(asset: string, a: UsableQuote, b: UsableQuote): BasisRow {
  const [cheap, dear] = b.quote.price < a.quote.price ? [b, a] : [a, b];
  const mid = (cheap.quote.price + dear.quote.price) / 2;
  const spreadBps = ((dear.quote.price - cheap.quote.price) / mid) * 10_000;
  const feesBps = roundTripFeesBps(a.quote.takerFeeRate, b.quote.takerFeeRate);
  return { measure: 'basis', asset, long: leg(cheap), short: leg(dear), spreadBps, feesBps, netAfterFeesBps: spreadBps - feesBps };
}

/**
 * Cross-venue rows for every asset quoted on two or more venues: one funding-spread row (when both
 * quotes have funding) and one basis row per pair of venues. An asset on one venue gives no row.
 * A venue quoting the same asset twice keeps its first quote; the second is skipped.
 */
export function crossVenueRows(quotes: readonly VenueQuote[], options: CrossVenueOptions = {}): CrossVenueResult {
  const horizonHours = options.horizonHours ?? DEFAULT_CARRY_HORIZON_HOURS;
  if (!(Number.isFinite(horizonHours) && horizonHours > 0)) {
    throw new ConfigError([{ path: 'horizonHours', received: show(horizonHours), expected: 'a carry horizon > 0 hours' }]);
  }
  const skipped: SkippedQuote[] = [];
  const byAsset = new Map<string, UsableQuote[]>();
  for (const q of quotes) {
    const u = admit(q, skipped);
    if (!u) continue;
    const list = byAsset.get(u.asset) ?? [];
    if (list.some((x) => x.quote.venue === q.venue)) {
      skipped.push({ venue: q.venue, symbol: q.symbol, scope: 'all', field: 'venue', received: show(q.venue), expected: `one quote per venue for ${u.asset}` });
      continue;
    }
    list.push(u);
    byAsset.set(u.asset, list);
  }
  const funding: FundingSpreadRow[] = [];
  const basis: BasisRow[] = [];
  for (const [asset, list] of byAsset) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (a.fundingPer8h !== null && b.fundingPer8h !== null) funding.push(fundingRow(asset, a, b, horizonHours));
        basis.push(basisRow(asset, a, b));
      }
    }
  }
  const order = (x: CrossVenueRow, y: CrossVenueRow) =>
    y.netAfterFeesBps - x.netAfterFeesBps || x.asset.localeCompare(y.asset) || x.long.venue.localeCompare(y.long.venue) || x.short.venue.localeCompare(y.short.venue);
  return { rows: [...funding.sort(order), ...basis.sort(order)], skipped };
}
