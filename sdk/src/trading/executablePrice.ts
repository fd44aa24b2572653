import type { OrderBook } from '@perpscope/shared';
import { walkBook } from './paperMatching.js';

/** What an order would trade at, from the current book. */
export interface ExecutableQuote {
  /** The price the RiskPolicy sizes and checks the order at. */
  price: number;
  /** True when the order takes liquidity on arrival (market, or a limit through the touch). */
  marketable: boolean;
}

export interface ExecutableOrder {
  side: 'buy' | 'sell';
  type: 'market' | 'limit' | 'stop_market' | 'take_profit_market';
  amountBase?: number;
  price?: number;
}

/**
 * The price an order is sized and risk-checked at, from the book it will meet, never from the
 * caller's own idea of the price: a limit far through the market takes the book like a market
 * order, so sizing it at its limit would turn a 50 USD ticket into a 1,000x larger fill.
 *
 * - Marketable (market orders, buy limits at or above the ask, sell limits at or below the bid):
 *   the volume-weighted walk of the opposite side for `amountBase` (bounded by the limit), or the
 *   touch when no amount is known yet. When the visible book cannot fill the amount, the deepest
 *   price reached.
 * - Resting limits: the higher of the limit and the touch. The higher price sizes the smaller
 *   amount, so the order's notional at any fill price it can get is within the sized notional.
 *
 * Null when the book has no price on the side the order needs.
 */
export function executablePrice(book: Pick<OrderBook, 'bids' | 'asks'> | undefined, order: ExecutableOrder): ExecutableQuote | null {
  if (!book) return null;
  const touch = order.side === 'buy' ? book.asks[0]?.[0] : book.bids[0]?.[0];
  if (touch === undefined || !(touch > 0)) return null;
  const limit = order.type === 'limit' ? order.price : undefined;
  const marketable = limit === undefined || (order.side === 'buy' ? limit >= touch : limit <= touch);
  if (!marketable) return { price: Math.max(limit, touch), marketable: false };
  const amount = order.amountBase;
  if (amount === undefined || !(amount > 0)) return { price: touch, marketable: true };
  const walk = walkBook(book, order.side, amount, limit);
  if (walk.avgPrice === null) return { price: touch, marketable: true };
  // Unfilled remainder: price it at the last level reached (the worst seen), never better.
  const worst = walk.fills[walk.fills.length - 1]?.price ?? touch;
  const price = walk.filledBase >= amount * (1 - 1e-12) ? walk.avgPrice : worst;
  return { price, marketable: true };
}

