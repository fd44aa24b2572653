import type { DailyAnchor } from './types.js';

const DAY_MS = 86_400_000;

/** Start of the UTC day containing `atMs`. */
export function utcDayStartMs(atMs: number): number {
  return Math.floor(atMs / DAY_MS) * DAY_MS;
}

/**
 * The anchor for `nowMs`: the current one while the UTC day lasts, else a new one at `equityUsd`.
 * The anchor is taken at the first check of the day, not at midnight, because nothing observes
 * equity at midnight exactly.
 */
export function rollDailyAnchor(current: DailyAnchor | null, nowMs: number, equityUsd: number): DailyAnchor {
  const dayStartMs = utcDayStartMs(nowMs);
  if (current && current.dayStartMs === dayStartMs) return current;
  return { dayStartMs, equityUsd };
}

/** Loss from the anchor in percent of the anchor (negative when up on the day). */
export function dailyLossPct(anchor: DailyAnchor, equityUsd: number): number {
  if (anchor.equityUsd <= 0) return 0;
  return ((anchor.equityUsd - equityUsd) / anchor.equityUsd) * 100;
}
