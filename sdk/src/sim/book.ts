import { roundFixed } from '../core/decimalRounding.js';
import { uniform } from './rng.js';

/** A resting wall that is shown and later pulled without trading. */
export interface SpoofWall {
  startMs: number;
  endMs: number;
  side: 'bid' | 'ask';
  /** Levels away from the touch (0 = best level). */
  levelIndex: number;
  multiplier: number;
}

export interface BookParams {
  mid: number;
  tickSize: number;
  /** One lot in base units: every level is a whole number of lots. */
  lotSize: number;
  spreadBps: number;
  /** Typical size at the touch, in base units. */
  touchSize: number;
  depth: number;
  key: number;
  /** Changes the random draw; callers pass a time bucket so the book moves over time. */
  bucket: number;
  spoof?: SpoofWall | undefined;
}

export type Level = [price: number, amount: number];

/**
 * A plausible order book around `mid`, sizes in base units: a spread of about `spreadBps`, levels every half basis point
 * (at least one tick), sizes decaying away from the touch. Deterministic in its parameters.
 */
export function synthesizeBook(p: BookParams): { bids: Level[]; asks: Level[] } {
  const tick = p.tickSize;
  const half = (p.mid * p.spreadBps) / 2e4;
  const bestBidTicks = Math.max(1, Math.floor((p.mid - half) / tick));
  let bestAskTicks = Math.ceil((p.mid + half) / tick);
  if (bestAskTicks <= bestBidTicks) bestAskTicks = bestBidTicks + 1;
  const stepTicks = Math.max(1, Math.round((p.mid * 0.5e-4) / tick));
  const bids: Level[] = [];
  const asks: Level[] = [];
  for (let i = 0; i < p.depth; i++) {
    const bidTicks = bestBidTicks - i * stepTicks;
    if (bidTicks >= 1) bids.push([roundTo(bidTicks * tick, tick), levelSize(p, i, 0)]);
    asks.push([roundTo((bestAskTicks + i * stepTicks) * tick, tick), levelSize(p, i, 1)]);
  }
  return { bids, asks };
}

function levelSize(p: BookParams, i: number, sideCode: number): number {
  const raw = p.touchSize * (0.4 + 1.2 * uniform(p.key, 20, p.bucket, i, sideCode)) * Math.exp(-i / 25);
  let size = Math.max(p.lotSize, Math.round(raw / p.lotSize) * p.lotSize);
  const spoof = p.spoof;
  if (spoof && spoof.levelIndex === i && (spoof.side === 'bid') === (sideCode === 0)) {
    size = Math.round((p.touchSize * spoof.multiplier) / p.lotSize) * p.lotSize;
  }
  return roundTo(size, p.lotSize);
}

/** Rounds to the grid of `step` and strips float noise (0.1 + 0.2 style). */
export function roundTo(value: number, step: number): number {
  const decimals = decimalsOf(step);
  return roundFixed(Math.round(value / step) * step, decimals);
}

/** Number of decimals needed to print multiples of `step`. */
export function decimalsOf(step: number): number {
  if (step >= 1) return 0;
  return Math.min(12, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
}
