import type { BookSide, BookTop } from './types.js';

/** Order-book statistics in quote currency (USD for USDT-settled perps) and basis points of mid. */
export interface BookFeatures {
  mid: number;
  spreadBps: number;
  /** Bid and ask notional within +/-10 bps of mid. */
  bidDepth10Usd: number;
  askDepth10Usd: number;
  bidDepth50Usd: number;
  askDepth50Usd: number;
  /** (bid - ask) / (bid + ask) over the depth within 50 bps, in [-1, 1]. */
  depthImbalance50: number;
  /** (bid - ask) / (bid + ask) over the first five levels' base amounts, in [-1, 1]. */
  topImbalance: number;
  /** Largest single level within 50 bps on the heavier side, as a share of that side's depth. */
  wallShare: number;
  /** That level's notional over the median level notional on its side within 50 bps. */
  wallMultiple: number;
  /** Distance of that level from mid, bps. */
  wallDistanceBps: number;
}

/** Notional within `bps` of `mid` on one side. */
export function depthWithinBps(side: BookSide, mid: number, bps: number, isBid: boolean): number {
  const limit = isBid ? mid * (1 - bps / 10_000) : mid * (1 + bps / 10_000);
  let usd = 0;
  // Indexed rather than `for (const [price, amount] of side)`: destructuring each level through the
  // iterator protocol allocated on every level of every book, every cycle.
  for (let i = 0; i < side.length; i++) {
    const level = side[i] as readonly [number, number];
    const price = level[0];
    if (isBid ? price < limit : price > limit) break;
    usd += price * level[1];
  }
  return usd;
}

/** Level notionals within the band, reused across calls so a cycle over many books allocates none. */
let levelBuffer = new Float64Array(64);

/** Largest level within `bps` of mid on one side, its price, and the median level notional there. */
function largestLevel(side: BookSide, mid: number, bps: number, isBid: boolean): { usd: number; price: number; medianUsd: number } {
  const limit = isBid ? mid * (1 - bps / 10_000) : mid * (1 + bps / 10_000);
  let bestUsd = 0;
  let bestPrice = mid;
  if (levelBuffer.length < side.length) levelBuffer = new Float64Array(Math.max(side.length, 2 * levelBuffer.length));
  const sizes = levelBuffer;
  let k = 0;
  for (let i = 0; i < side.length; i++) {
    const level = side[i] as readonly [number, number];
    const price = level[0];
    if (isBid ? price < limit : price > limit) break;
    const usd = price * level[1];
    // Insertion keeps sizes[0, k) ascending: books carry tens of levels, where this beats a sort.
    let j = k++;
    while (j > 0 && (sizes[j - 1] as number) > usd) {
      sizes[j] = sizes[j - 1] as number;
      j--;
    }
    sizes[j] = usd;
    if (usd > bestUsd) {
      bestUsd = usd;
      bestPrice = price;
    }
  }
  const medianUsd = k === 0 ? 0 : k % 2 === 1 ? (sizes[k >> 1] as number) : ((sizes[(k >> 1) - 1] as number) + (sizes[k >> 1] as number)) / 2;
  return { usd: bestUsd, price: bestPrice, medianUsd };
}

/**
 * Cost of a market order of `notionalUsd` beyond the touch, found by walking the book.
 * `slippageBps` = (average fill price - best price) / mid, signed so that worse is positive.
 * When the book runs out, the rest is priced `exhaustedPenaltyBps` beyond the last level and
 * `exhausted` is true, so a thin book never looks cheap.
 */
export function walkBook(
  side: BookSide,
  mid: number,
  notionalUsd: number,
  isBuy: boolean,
  exhaustedPenaltyBps = 100,
): { slippageBps: number; exhausted: boolean } {
  const best = side[0];
  if (!best || notionalUsd <= 0) return { slippageBps: best ? 0 : exhaustedPenaltyBps, exhausted: !best };
  let remaining = notionalUsd;
  let baseFilled = 0;
  let lastPrice = best[0];
  for (let i = 0; i < side.length; i++) {
    const level = side[i] as readonly [number, number];
    const price = level[0];
    lastPrice = price;
    const levelUsd = price * level[1];
    const takeUsd = Math.min(levelUsd, remaining);
    baseFilled += takeUsd / price;
    remaining -= takeUsd;
    if (remaining <= 1e-9) break;
  }
  let exhausted = false;
  if (remaining > 1e-9) {
    exhausted = true;
    const penaltyPrice = isBuy ? lastPrice * (1 + exhaustedPenaltyBps / 10_000) : lastPrice * (1 - exhaustedPenaltyBps / 10_000);
    baseFilled += remaining / penaltyPrice;
  }
  const avgPrice = notionalUsd / baseFilled;
  const diff = isBuy ? avgPrice - best[0] : best[0] - avgPrice;
  return { slippageBps: Math.max(0, (diff / mid) * 10_000), exhausted };
}

function imbalance(a: number, b: number): number {
  const s = a + b;
  return s > 0 ? (a - b) / s : 0;
}

/** Computes book statistics; null when either side is empty or crossed. */
export function computeBookFeatures(book: BookTop): BookFeatures | null {
  const bid = book.bids[0];
  const ask = book.asks[0];
  if (!bid || !ask || !(bid[0] > 0) || ask[0] <= bid[0]) return null;
  const mid = (bid[0] + ask[0]) / 2;
  const bidDepth50Usd = depthWithinBps(book.bids, mid, 50, true);
  const askDepth50Usd = depthWithinBps(book.asks, mid, 50, false);
  let bidTop = 0;
  let askTop = 0;
  for (let i = 0; i < 5; i++) {
    bidTop += book.bids[i]?.[1] ?? 0;
    askTop += book.asks[i]?.[1] ?? 0;
  }
  const heavyIsBid = bidDepth50Usd >= askDepth50Usd;
  const wall = largestLevel(heavyIsBid ? book.bids : book.asks, mid, 50, heavyIsBid);
  const heavyDepth = heavyIsBid ? bidDepth50Usd : askDepth50Usd;
  return {
    mid,
    spreadBps: ((ask[0] - bid[0]) / mid) * 10_000,
    bidDepth10Usd: depthWithinBps(book.bids, mid, 10, true),
    askDepth10Usd: depthWithinBps(book.asks, mid, 10, false),
    bidDepth50Usd,
    askDepth50Usd,
    depthImbalance50: imbalance(bidDepth50Usd, askDepth50Usd),
    topImbalance: imbalance(bidTop, askTop),
    wallShare: heavyDepth > 0 ? wall.usd / heavyDepth : 0,
    wallMultiple: wall.medianUsd > 0 ? wall.usd / wall.medianUsd : 0,
    wallDistanceBps: (Math.abs(wall.price - mid) / mid) * 10_000,
  };
}
