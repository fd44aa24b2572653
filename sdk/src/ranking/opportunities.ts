import { sigmoid } from '../manipulation/index.js';
import type { ProfileWeights } from './profiles.js';
import type { RankingRow, SideBias } from './rank.js';

/** A trade idea from a ranking row: side, ATR-based stop and targets, and a confidence. */
export interface Opportunity {
  rank: number;
  symbol: string;
  side: Exclude<SideBias, 'flat'>;
  entry: number;
  stop: number;
  tp1: number;
  tp2: number;
  /** sigmoid(score) x (1 - manipScore / 100): a manipulated market never looks certain. */
  confidence: number;
  score: number;
  manipScore: number;
  flags: string[];
}

/**
 * The first `n` rows with a side bias, as opportunities. Entry is the last close; stop and
 * targets sit `stopAtr`, `tp1Atr`, `tp2Atr` ATRs away, per the profile.
 */
export function buildOpportunities(rows: readonly RankingRow[], weights: ProfileWeights, n: number): Opportunity[] {
  const out: Opportunity[] = [];
  for (const row of rows) {
    if (out.length >= n) break;
    if (row.side === 'flat') continue;
    const dir = row.side === 'long' ? 1 : -1;
    const entry = row.metrics.close;
    const atr = (row.metrics.atrPct / 100) * entry;
    out.push({
      rank: row.rank,
      symbol: row.symbol,
      side: row.side,
      entry,
      stop: entry - dir * weights.stopAtr * atr,
      tp1: entry + dir * weights.tp1Atr * atr,
      tp2: entry + dir * weights.tp2Atr * atr,
      confidence: Math.round(sigmoid(row.score) * (1 - row.manipScore / 100) * 10_000) / 10_000,
      score: row.score,
      manipScore: row.manipScore,
      flags: row.flags.map((f) => f.name),
    });
  }
  return out;
}
