import type { Candle } from '@perpscope/shared';
import type { PaperBroker } from '../trading/index.js';
import { barPath, pathTrade, syntheticBook, type AdverseSide, type DepthModel, type PathPoint } from './fillModel.js';

/** The part of the paper broker a bar replay talks to: its public market-data inputs. */
export type PaperFeed = Pick<PaperBroker, 'onOrderBook' | 'onTrades' | 'onMarkPrice' | 'openOrders'>;

/**
 * Shows the paper broker one closed bar the way it traded: at every point of `barPath` (open,
 * adverse extreme, favourable extreme, close, with the open orders' prices in between) a book
 * from the depth model around the point, one trade print there and the mark there. The broker's
 * own matching then fires stops and take-profits (walking that book), fills limits and
 * liquidates; this function decides nothing. Returns the points replayed.
 */
export function replayBar(paper: PaperFeed, symbol: string, candle: Candle, barMs: number, adverse: AdverseSide, refQuoteVolumeUsd: number, depth: DepthModel): PathPoint[] {
  const levels = paper.openOrders(symbol).flatMap((o) => [o.triggerPrice, o.price]).filter((x): x is number => x !== null);
  const path = barPath(candle, barMs, adverse, levels);
  const amount = candle.volume / path.length;
  let last = candle.open;
  for (const point of path) {
    paper.onOrderBook(symbol, syntheticBook(symbol, point.price, refQuoteVolumeUsd, point.atMs, depth));
    paper.onTrades(symbol, [pathTrade(symbol, point, last, amount)]);
    paper.onMarkPrice(symbol, point.price, point.atMs);
    last = point.price;
  }
  return path;
}
