import type { MarketStress } from '../manipulation/index.js';
import type { EngineAlert } from './engineEvents.js';

/** What the watch reads of a ranking row. */
export interface WatchedRow {
  symbol: string;
  manipScore: number;
  flags: readonly { name: string }[];
}

/** A score must fall this far below the threshold before the symbol can alert again. */
const REARM_MARGIN = 10;

/**
 * Manipulation alerts for the symbols a trader holds or watches: one `manipulation` alert when a
 * watched symbol's radar score reaches `threshold`, and none again until the score has fallen
 * `REARM_MARGIN` points below it, so a score hovering at the line does not repeat itself every
 * cycle. The score is the radar's 0-100 heuristic, and the alert says it is not a probability.
 */
export class ManipulationWatch {
  private readonly alerted = new Set<string>();
  /** Open time of the bar the last `market_stress` alert was raised for, so one bar alerts once. */
  private stressBarMs: number | null = null;

  constructor(private readonly threshold: number | null) {}

  /**
   * Alerts for one ranking cycle. `marketStress` (the ranking's cross-section) raises a single
   * `market_stress` alert per stressed bar, whatever is watched: a market-wide move is one event,
   * not one per symbol.
   */
  evaluate(rows: readonly WatchedRow[], watched: ReadonlySet<string>, atMs: number, marketStress: MarketStress | null = null): EngineAlert[] {
    if (this.threshold === null) return [];
    const out: EngineAlert[] = [];
    if (marketStress && marketStress.barOpenTimeMs !== this.stressBarMs) {
      this.stressBarMs = marketStress.barOpenTimeMs;
      out.push(marketStressAlert(marketStress, atMs));
    }
    for (const row of rows) {
      if (!watched.has(row.symbol) || !Number.isFinite(row.manipScore)) continue;
      if (row.manipScore < this.threshold - REARM_MARGIN) this.alerted.delete(row.symbol);
      if (row.manipScore < this.threshold || this.alerted.has(row.symbol)) continue;
      this.alerted.add(row.symbol);
      const flags = row.flags.map((f) => f.name);
      out.push({
        atMs,
        level: 'warn',
        kind: 'manipulation',
        message: `${row.symbol}: manipulation score ${row.manipScore.toFixed(0)} of 100 (a radar heuristic, not a probability)${flags.length ? `, flags ${flags.join(', ')}` : ''}`,
        details: { symbol: row.symbol, manipScore: row.manipScore, flags, threshold: this.threshold },
      });
    }
    // A symbol no longer watched starts afresh if it is watched again.
    for (const symbol of this.alerted) if (!watched.has(symbol)) this.alerted.delete(symbol);
    return out;
  }
}

/** The market-level alert for one stressed bar; `details` carries the cross-section's figures. */
export function marketStressAlert(stress: MarketStress, atMs: number): EngineAlert {
  const share = Math.round(stress.share * 100);
  const btc = Number.isFinite(stress.benchmarkRet1Pct) ? `, BTC ${stress.benchmarkRet1Pct}%` : '';
  return {
    atMs,
    level: 'warn',
    kind: 'market_stress',
    message: `market-wide move ${stress.direction}: ${stress.symbolsMoved} of ${stress.symbols} symbols (${share}%) moved together on the bar opening ${new Date(stress.barOpenTimeMs).toISOString()} (median close ${stress.medianRet1Pct}%, median extreme ${stress.medianExcursionPct}%${btc}); per-symbol price-pattern flags it explains are dropped`,
    details: { ...stress },
  };
}
