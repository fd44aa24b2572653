import { barCode } from './timeframes.js';
import type { MarketSource, SimCandle, SimMarket } from './types.js';

/** A kline subscription's pacing state: the bar it last pushed and when its forming bar is due again. */
export interface KlinePacing {
  m: SimMarket;
  tfMs?: number;
  lastOpen?: number;
  dueWallMs: number;
}

/** How often the forming bar is pushed (wall ms), and how many closed bars a late push catches up at most. */
const CANDLE_REFRESH_MS = 500;
const MAX_CATCH_UP_BARS = 50;

/**
 * The bars a kline subscription pushes now (sim time `at`, wall time `wall`): every bar closed
 * since its last push (at most the last 50), then the forming bar, at most every 500 ms wall
 * unless a bar closed or this is the first push. A silenced stream moves on without pushing;
 * `live` false pushes closed bars only. Null when nothing is due. Advances `sub`.
 */
export function dueKlines(source: MarketSource, sub: KlinePacing, at: number, wall: number, o: { initial: boolean; live: boolean; silent: boolean }): { closed: SimCandle[]; forming: SimCandle | null } | null {
  const tfMs = sub.tfMs!;
  const code = barCode(tfMs)!;
  const curOpen = Math.floor(at / tfMs) * tfMs;
  const prevOpen = sub.lastOpen;
  if (o.silent) {
    sub.lastOpen = curOpen;
    return null;
  }
  let closed: SimCandle[] = [];
  if (prevOpen !== undefined && curOpen > prevOpen) {
    closed = source.candles(sub.m.symbol, code, Math.max(prevOpen, curOpen - MAX_CATCH_UP_BARS * tfMs), curOpen);
  } else if (!o.initial && wall < sub.dueWallMs) {
    return null;
  }
  sub.lastOpen = curOpen;
  sub.dueWallMs = wall + CANDLE_REFRESH_MS;
  return { closed, forming: o.live ? (source.formingCandle(sub.m.symbol, code, at) ?? null) : null };
}
