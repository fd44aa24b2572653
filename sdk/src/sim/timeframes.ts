/** BloFin bar codes and their lengths. Months and weeks are not served by the sim. */
export const BLOFIN_BARS: Readonly<Record<string, number>> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1H': 3_600_000,
  '2H': 7_200_000,
  '4H': 14_400_000,
  '6H': 21_600_000,
  '8H': 28_800_000,
  '12H': 43_200_000,
  '1D': 86_400_000,
};

/**
 * Length in ms of a timeframe given either as a ccxt unified code (`1h`) or a BloFin bar
 * (`1H`); null when unknown.
 */
export function barMs(tf: string): number | null {
  const direct = BLOFIN_BARS[tf];
  if (direct !== undefined) return direct;
  const m = /^(\d+)([mhd])$/.exec(tf);
  if (!m) return null;
  const unit = m[2] === 'm' ? 'm' : m[2] === 'h' ? 'H' : 'D';
  return BLOFIN_BARS[`${m[1]}${unit}`] ?? null;
}

/** The BloFin bar code for a bar length, e.g. 3_600_000 -> `1H`. */
export function barCode(ms: number): string | null {
  for (const [code, len] of Object.entries(BLOFIN_BARS)) if (len === ms) return code;
  return null;
}
