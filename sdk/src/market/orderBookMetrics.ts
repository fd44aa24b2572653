import type { OrderBook } from '@perpscope/shared';

export interface BookMetrics {
  symbol: string;
  timestampMs: number;
  bestBid: number;
  bestAsk: number;
  mid: number;
  spreadBps: number;
  /** Quote notional (price x base amount) resting within 10 bps of mid, per side. */
  bidDepth10BpsUsd: number;
  askDepth10BpsUsd: number;
  bidDepth50BpsUsd: number;
  askDepth50BpsUsd: number;
  /** (bid - ask) / (bid + ask) notional over the top `levels` levels, in [-1, 1]. */
  imbalance: number;
  /** Levels per side used for `imbalance`. */
  levels: number;
}

function depthWithin(levels: readonly (readonly [number, number])[], boundary: number, side: 'bid' | 'ask'): number {
  let notional = 0;
  for (const [price, amount] of levels) {
    if (side === 'bid' ? price < boundary : price > boundary) break;
    notional += price * amount;
  }
  return notional;
}

function topNotional(levels: readonly (readonly [number, number])[], n: number): number {
  let notional = 0;
  for (let i = 0; i < Math.min(n, levels.length); i++) notional += levels[i]![0] * levels[i]![1];
  return notional;
}

/**
 * Spread, depth within +-10 and +-50 bps of mid, and top-N imbalance of one book snapshot.
 * Returns `undefined` for a one-sided or crossed book, which has no meaningful mid.
 *
 * @example
 * const m = bookMetrics(book, 10);
 * if (m && m.spreadBps > 8) skip();
 */
export function bookMetrics(book: OrderBook, levels = 10): BookMetrics | undefined {
  const bid = book.bids[0];
  const ask = book.asks[0];
  if (!bid || !ask || !(bid[0] > 0) || !(ask[0] >= bid[0])) return undefined;
  const mid = (bid[0] + ask[0]) / 2;
  const bidTop = topNotional(book.bids, levels);
  const askTop = topNotional(book.asks, levels);
  return {
    symbol: book.symbol,
    timestampMs: book.timestampMs,
    bestBid: bid[0],
    bestAsk: ask[0],
    mid,
    spreadBps: ((ask[0] - bid[0]) / mid) * 10_000,
    bidDepth10BpsUsd: depthWithin(book.bids, mid * (1 - 10 / 10_000), 'bid'),
    askDepth10BpsUsd: depthWithin(book.asks, mid * (1 + 10 / 10_000), 'ask'),
    bidDepth50BpsUsd: depthWithin(book.bids, mid * (1 - 50 / 10_000), 'bid'),
    askDepth50BpsUsd: depthWithin(book.asks, mid * (1 + 50 / 10_000), 'ask'),
    imbalance: bidTop + askTop > 0 ? (bidTop - askTop) / (bidTop + askTop) : 0,
    levels,
  };
}
