const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Bar length in ms of a fixed-length timeframe (`1s`, `15m`, `1h`, `1d`, `1w`); null for unknown
 * or calendar-length ones (`1M`), whose bars cannot be counted by division.
 *
 * Wider than the shared `timeframeMs` on purpose: imported files come in timeframes the engine
 * does not trade (Binance Vision `1s`, `8h`, `3d`, `1w`), and the importer and coverage report
 * must still read, check and count them. Downloads use the shared `TIMEFRAMES` only, because
 * their bar boundaries are computed from the epoch, which is right only for bars dividing a day.
 */
export function timeframeLengthMs(timeframe: string): number | null {
  const m = /^(\d+)([smhdw])$/.exec(timeframe);
  if (!m) return null;
  const n = Number(m[1]);
  return n > 0 ? n * UNIT_MS[m[2]!]! : null;
}
