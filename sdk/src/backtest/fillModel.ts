import type { Candle, OrderBook, Trade } from '@perpscope/shared';

/**
 * The depth model: the order book a backtest shows the paper broker, built from a bar because
 * recorded candles carry no book. Around a mid price `p`:
 * - the best bid and ask sit `spreadBps / 2` from `p`;
 * - `levels` levels per side follow, `levelStepBps` apart;
 * - each side shows `depthShare` of the reference bar's quote volume (volume x close), at least
 *   `minDepthUsd`, split evenly over the levels;
 * - beyond the visible depth one backstop level at `backstopBps` from `p` takes any remainder, so
 *   a stop or an exit always completes (at a penalty) instead of leaving a position unprotected.
 * A market order's slippage is then what walking this book costs: small orders pay the half
 * spread, orders that are large against the bar's volume pay more.
 */
export interface DepthModel {
  spreadBps: number;
  levels: number;
  levelStepBps: number;
  depthShare: number;
  minDepthUsd: number;
  backstopBps: number;
}

export const DEFAULT_DEPTH_MODEL: DepthModel = {
  spreadBps: 2,
  levels: 10,
  levelStepBps: 1,
  depthShare: 0.02,
  minDepthUsd: 20_000,
  backstopBps: 50,
};

/** Size of the backstop level, in USD: large enough that nothing a backtest sizes walks past it. */
const BACKSTOP_USD = 1e12;

/** The synthetic book around `mid` (see DepthModel); `refQuoteVolumeUsd` is the last closed bar's quote volume. */
export function syntheticBook(symbol: string, mid: number, refQuoteVolumeUsd: number, timestampMs: number, model: DepthModel = DEFAULT_DEPTH_MODEL): OrderBook {
  const depthUsd = Math.max(model.minDepthUsd, model.depthShare * Math.max(0, refQuoteVolumeUsd));
  const perLevelBase = depthUsd / model.levels / mid;
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 0; i < model.levels; i++) {
    const offset = (model.spreadBps / 2 + i * model.levelStepBps) / 10_000;
    bids.push([mid * (1 - offset), perLevelBase]);
    asks.push([mid * (1 + offset), perLevelBase]);
  }
  const lastOffset = (model.spreadBps / 2 + (model.levels - 1) * model.levelStepBps) / 10_000;
  const backstop = Math.max(model.backstopBps / 10_000, lastOffset);
  bids.push([mid * (1 - backstop), BACKSTOP_USD / mid]);
  asks.push([mid * (1 + backstop), BACKSTOP_USD / mid]);
  return { symbol, timestampMs, bids, asks };
}

/** Which way an open position loses: the path visits that extreme first. */
export type AdverseSide = 'long' | 'short' | null;

/** One price the bar traded at, in path order. */
export interface PathPoint {
  price: number;
  atMs: number;
}

/**
 * The prices a bar is replayed through, in order: the open, the extreme adverse to the open
 * position (the low for a long, the high for a short), the favourable extreme, then the close.
 * Between two of these the price moves monotonically, so every order price (`levels`: stops,
 * take-profits, limits) lying strictly inside a leg is visited where the leg crosses it. This is
 * the conservative rule: when one bar touches both the stop and the target, the stop fills first.
 * With no position the order follows the bar's direction (a rising bar visits its low first).
 * Orders already crossed at the open (a gap) fill at the open.
 */
export function barPath(candle: Candle, barMs: number, adverse: AdverseSide, levels: readonly number[] = []): PathPoint[] {
  const lowFirst = adverse === 'long' || (adverse === null && candle.close >= candle.open);
  const anchors = lowFirst ? [candle.open, candle.low, candle.high, candle.close] : [candle.open, candle.high, candle.low, candle.close];
  const prices: number[] = [anchors[0]!];
  for (let i = 1; i < anchors.length; i++) {
    const from = anchors[i - 1]!;
    const to = anchors[i]!;
    const inside = levels.filter((l) => Number.isFinite(l) && (to > from ? l > from && l < to : l < from && l > to));
    inside.sort((a, b) => (to > from ? a - b : b - a));
    for (const l of inside) if (prices[prices.length - 1] !== l) prices.push(l);
    if (prices[prices.length - 1] !== to) prices.push(to);
  }
  // Spread the points over the bar so fills carry increasing times inside it.
  const step = (barMs - 1) / Math.max(1, prices.length - 1);
  return prices.map((price, i) => ({ price, atMs: candle.openTimeMs + Math.floor(i * step) }));
}

/** A public trade print at a path point; its size is the bar's volume spread evenly over the points. */
export function pathTrade(symbol: string, point: PathPoint, previousPrice: number, amountBase: number): Trade {
  return { symbol, timestampMs: point.atMs, price: point.price, amount: amountBase, side: point.price >= previousPrice ? 'buy' : 'sell' };
}
