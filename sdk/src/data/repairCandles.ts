import type { Candle } from '@perpscope/shared';
import { FileIssues } from './candleFileError.js';
import { timeframeLengthMs } from './timeframes.js';
import type { CandleFileContents, SourcedCandle } from './types.js';

/** What to do when two rows of a file share an open time but differ. */
export const OnConflict = {
  /** Refuse the file: the source disagrees with itself and nothing says which row is right. */
  refuse: 'refuse',
  /** Keep the row that comes later in the file (a re-recorded bar). */
  last: 'last',
} as const;
export type OnConflict = (typeof OnConflict)[keyof typeof OnConflict];

export interface RefusedRow {
  /** Line (or row) in the file. */
  line: number;
  reason: string;
}

/** What repair found and did, per file. */
export interface RepairStats {
  /** Candle rows read (the unfinished last row, when dropped, is not counted). */
  rowsRead: number;
  /** Candles left to write. */
  imported: number;
  /** Rows dropped because an earlier row had the same open time (identical, or replaced by `last`). */
  duplicates: number;
  /** Of the duplicates, those whose values differed (only with `onConflict: 'last'`). */
  conflicts: number;
  /** Rows that came after a later-opening row; they are sorted into place. */
  reordered: number;
  /** Runs of missing bars between two imported bars: counted, never invented. */
  gaps: number;
  missingBars: number;
  /** Longest stretch without bars, in ms (0 without gaps). */
  largestGapMs: number;
  /** Rows refused as impossible candles (high below open, negative volume...). */
  refused: number;
  /** The first refused rows, with why. */
  refusals: RefusedRow[];
}

export interface RepairResult {
  candles: Candle[];
  stats: RepairStats;
}

const MAX_REFUSALS_LISTED = 20;
const WEEK_MS = 604_800_000;

/** Why a row is not a possible candle, or null when it is one. */
export function candleDefect(c: Candle, tfMs: number): string | null {
  if (!(c.open > 0 && c.high > 0 && c.low > 0 && c.close > 0)) return 'prices must be above 0';
  if (c.volume < 0) return `volume ${c.volume} is negative`;
  if (c.high < Math.max(c.open, c.close)) return `high ${c.high} is below max(open ${c.open}, close ${c.close})`;
  if (c.low > Math.min(c.open, c.close)) return `low ${c.low} is above min(open ${c.open}, close ${c.close})`;
  // Weekly bars start on a weekday, not on an epoch multiple: only shorter bars are checked.
  if (tfMs < WEEK_MS && c.openTimeMs % tfMs !== 0) return `open time ${new Date(c.openTimeMs).toISOString()} is not on a ${tfMs / 60_000} min boundary`;
  return null;
}

/**
 * Checks, sorts and de-duplicates one file's candles. Impossible candles are refused and counted;
 * rows out of time order are sorted and counted; identical repeats are dropped; repeats that
 * differ refuse the whole file (a CandleFileError naming both lines) unless `onConflict` is
 * `last`; gaps are counted. Pure: the same input gives the same output.
 */
export function repairCandles(contents: Pick<CandleFileContents, 'file' | 'candles' | 'timeframe' | 'positionName'>, onConflict: OnConflict = OnConflict.refuse): RepairResult {
  const tfMs = timeframeLengthMs(contents.timeframe);
  const issues = new FileIssues(contents.file, contents.positionName);
  if (tfMs === null) throw issues.fatal('timeframe', JSON.stringify(contents.timeframe), 'a fixed-length timeframe (1m, 15m, 1h, 4h, 1d, 1w)');
  const stats: RepairStats = { rowsRead: contents.candles.length, imported: 0, duplicates: 0, conflicts: 0, reordered: 0, gaps: 0, missingBars: 0, largestGapMs: 0, refused: 0, refusals: [] };
  const valid: SourcedCandle[] = [];
  for (const c of contents.candles) {
    const defect = candleDefect(c, tfMs);
    if (defect === null) {
      if (valid.length > 0 && c.openTimeMs < valid[valid.length - 1]!.openTimeMs) stats.reordered++;
      valid.push(c);
      continue;
    }
    stats.refused++;
    if (stats.refusals.length < MAX_REFUSALS_LISTED) stats.refusals.push({ line: c.line, reason: defect });
  }
  // Stable: rows sharing an open time stay in file order, so `last` is the later line.
  if (stats.reordered > 0) valid.sort((a, b) => a.openTimeMs - b.openTimeMs);
  const kept: SourcedCandle[] = [];
  for (const c of valid) {
    const prev = kept[kept.length - 1];
    if (!prev || prev.openTimeMs !== c.openTimeMs) {
      kept.push(c);
      continue;
    }
    stats.duplicates++;
    if (sameValues(prev, c)) continue;
    if (onConflict === OnConflict.last) {
      stats.conflicts++;
      kept[kept.length - 1] = c;
      continue;
    }
    issues.add(
      `${contents.positionName}s ${prev.line} and ${c.line}`,
      `two different candles at ${new Date(c.openTimeMs).toISOString()} (${valuesText(prev)} vs ${valuesText(c)})`,
      'one candle per open time (or --on-conflict=last to keep the later row)',
    );
  }
  issues.throwIfAny();
  for (let i = 1; i < kept.length; i++) {
    const stepMs = kept[i]!.openTimeMs - kept[i - 1]!.openTimeMs;
    if (stepMs <= tfMs) continue;
    stats.gaps++;
    stats.missingBars += Math.round(stepMs / tfMs) - 1;
    stats.largestGapMs = Math.max(stats.largestGapMs, stepMs - tfMs);
  }
  const candles = kept.map(({ openTimeMs, open, high, low, close, volume }) => ({ openTimeMs, open, high, low, close, volume }));
  stats.imported = candles.length;
  return { candles, stats };
}

function sameValues(a: Candle, b: Candle): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume;
}

function valuesText(c: Candle): string {
  return `o ${c.open} h ${c.high} l ${c.low} c ${c.close} v ${c.volume}`;
}
