import type { OrderBook } from '@perpscope/shared';

export interface BookFill {
  price: number;
  amountBase: number;
}

export interface BookWalk {
  fills: BookFill[];
  filledBase: number;
  /** Volume-weighted fill price; null when nothing filled. */
  avgPrice: number | null;
}

/**
 * Walks the opposite side of the book, best level first, taking up to `amountBase` at prices no
 * worse than `limitPrice` (absent for market orders). The average price is the slippage a market
 * order really pays.
 */
export function walkBook(book: Pick<OrderBook, 'bids' | 'asks'>, side: 'buy' | 'sell', amountBase: number, limitPrice?: number): BookWalk {
  const levels = side === 'buy' ? book.asks : book.bids;
  const fills: BookFill[] = [];
  let remaining = amountBase;
  for (const [price, size] of levels) {
    if (remaining <= 1e-12) break;
    if (limitPrice !== undefined && (side === 'buy' ? price > limitPrice : price < limitPrice)) break;
    const take = Math.min(size, remaining);
    if (take <= 0) continue;
    fills.push({ price, amountBase: take });
    remaining -= take;
  }
  const filledBase = amountBase - Math.max(0, remaining);
  const avgPrice = filledBase > 0 ? fills.reduce((s, f) => s + f.price * f.amountBase, 0) / filledBase : null;
  return { fills, filledBase: fills.length === 0 ? 0 : filledBase, avgPrice };
}

/**
 * True when a trade at `tradePrice` goes through a resting limit order's price. Strictly through:
 * a print at the limit may have filled orders queued ahead, so it proves nothing about ours.
 */
export function tradeCrosses(side: 'buy' | 'sell', limitPrice: number, tradePrice: number): boolean {
  return side === 'buy' ? tradePrice < limitPrice : tradePrice > limitPrice;
}

/** True when a reduce-only trigger order fires at `price`. */
export function triggerFires(type: 'stop_market' | 'take_profit_market', side: 'buy' | 'sell', triggerPrice: number, price: number): boolean {
  // A sell stop protects a long (fires on the way down); a sell take-profit fires on the way up.
  const down = (type === 'stop_market') === (side === 'sell');
  return down ? price <= triggerPrice : price >= triggerPrice;
}
