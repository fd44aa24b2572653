import { z } from 'zod';

/**
 * Domain schemas for market data. Symbols are ccxt unified (`BTC/USDT:USDT`); times are integer
 * milliseconds since the epoch, UTC. These schemas validate data crossing a boundary (files, RPC,
 * recorded sessions); inside the engine the inferred types are trusted.
 */

const finite = z.number().finite();
const nonNegative = z.number().finite().nonnegative();
const positive = z.number().finite().positive();
const timeMs = z.number().int().nonnegative();

export const TIMEFRAMES = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'] as const;
export const TimeframeSchema = z.enum(TIMEFRAMES);
export type Timeframe = z.infer<typeof TimeframeSchema>;

/** Length of one bar of `tf` in milliseconds. */
export function timeframeMs(tf: Timeframe): number {
  const unit = tf.slice(-1);
  const n = Number(tf.slice(0, -1));
  const unitMs = unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return n * unitMs;
}

export const MarketSchema = z.object({
  symbol: z.string().min(1),
  /** Exchange-native id, e.g. `BTC-USDT`. */
  id: z.string().min(1),
  base: z.string().min(1),
  quote: z.string().min(1),
  settle: z.string().min(1),
  type: z.enum(['swap', 'future', 'spot', 'option']),
  linear: z.boolean(),
  active: z.boolean(),
  /** Base units per contract: exchange sizes (orders, positions, books) count contracts. */
  contractSize: positive,
  /** Smallest price increment. */
  tickSize: positive,
  /** Smallest amount increment, in contracts. */
  lotSize: positive,
  /** Smallest order size, in contracts. */
  minAmount: nonNegative,
  makerFee: finite,
  takerFee: finite,
  maxLeverage: positive.optional(),
  /** Listing time when the exchange reports it; used for fresh-listing risk. */
  listedAtMs: timeMs.optional(),
});
export type Market = z.infer<typeof MarketSchema>;

export const TickerSchema = z.object({
  symbol: z.string().min(1),
  timestampMs: timeMs,
  last: positive,
  bid: positive.optional(),
  ask: positive.optional(),
  bidSize: nonNegative.optional(),
  askSize: nonNegative.optional(),
  open24h: positive.optional(),
  high24h: positive.optional(),
  low24h: positive.optional(),
  baseVolume24h: nonNegative,
  quoteVolume24h: nonNegative,
});
export type Ticker = z.infer<typeof TickerSchema>;

export const CandleSchema = z
  .object({
    openTimeMs: timeMs,
    open: positive,
    high: positive,
    low: positive,
    close: positive,
    /** Volume in base units. */
    volume: nonNegative,
  })
  .refine((c) => c.high >= Math.max(c.open, c.close, c.low) && c.low <= Math.min(c.open, c.close), {
    message: 'expected low <= open,close <= high',
  });
export type Candle = z.infer<typeof CandleSchema>;

/** A price level: [price, amount in base units]. */
export const BookLevelSchema = z.tuple([positive, nonNegative]);
export type BookLevel = z.infer<typeof BookLevelSchema>;

export const OrderBookSchema = z.object({
  symbol: z.string().min(1),
  timestampMs: timeMs,
  /** Best first: descending price. */
  bids: z.array(BookLevelSchema),
  /** Best first: ascending price. */
  asks: z.array(BookLevelSchema),
});
export type OrderBook = z.infer<typeof OrderBookSchema>;

export const TradeSchema = z.object({
  symbol: z.string().min(1),
  id: z.string().optional(),
  timestampMs: timeMs,
  price: positive,
  /** Amount in base units. */
  amount: nonNegative,
  side: z.enum(['buy', 'sell']),
});
export type Trade = z.infer<typeof TradeSchema>;

export const FundingRateSchema = z.object({
  symbol: z.string().min(1),
  timestampMs: timeMs,
  /** Rate per funding interval, as a fraction (0.0001 = 1 bp). */
  rate: finite,
  nextFundingTimeMs: timeMs.optional(),
  intervalHours: positive.optional(),
});
export type FundingRate = z.infer<typeof FundingRateSchema>;

export const OpenInterestSchema = z.object({
  symbol: z.string().min(1),
  timestampMs: timeMs,
  /** Open interest in base units. */
  amountBase: nonNegative,
  valueUsd: nonNegative.optional(),
});
export type OpenInterest = z.infer<typeof OpenInterestSchema>;

export const MarkPriceSchema = z.object({
  symbol: z.string().min(1),
  timestampMs: timeMs,
  markPrice: positive,
  indexPrice: positive.optional(),
});
export type MarkPrice = z.infer<typeof MarkPriceSchema>;

/**
 * What differs between linear USDT-settled swaps; everything else follows from the base.
 * `lotSize` and `minAmount` are in contracts; `contractSize` (base units per contract) defaults to 1.
 */
export type UsdtSwapSpec = Pick<Market, 'tickSize' | 'lotSize' | 'minAmount' | 'makerFee' | 'takerFee'> & Partial<Pick<Market, 'contractSize' | 'maxLeverage' | 'listedAtMs' | 'active'>>;

/**
 * An active linear USDT-settled perpetual (`BASE/USDT:USDT`, exchange id `BASE-USDT`), the shape
 * SimExchange lists and replays assume; one base unit per contract unless `spec.contractSize` says.
 */
export function usdtSwapMarket(base: string, spec: UsdtSwapSpec): Market {
  return {
    symbol: `${base}/USDT:USDT`,
    id: `${base}-USDT`,
    base,
    quote: 'USDT',
    settle: 'USDT',
    type: 'swap',
    linear: true,
    active: true,
    contractSize: 1,
    ...spec,
  };
}
