import { z } from 'zod';
import { parseOrThrow } from '../core/zodIssues.js';
import type { SignalEngineConfig } from './config.js';
import type { LabelOutcome } from './types.js';

export type ReliabilityParams = SignalEngineConfig['reliability'];

/** The key of signals whose probability was the score's heuristic mapping, not a calibration. */
export const UNCALIBRATED_KEY = 'uncalibrated';
/**
 * A drifting calibration recovers only once every comparison is within this share of its bound:
 * an error hovering at the bound would otherwise flip between drift and recovery on every outcome.
 */
export const RELIABILITY_RECOVERY_SHARE = 0.5;
/** Bins of stated probability: [0, 0.1), [0.1, 0.2), ... [0.9, 1]. */
export const RELIABILITY_BINS = 10;

/** One bin's decayed totals: weight (effective count), sum of stated probabilities, sum of hits. */
type BinTotals = [weight: number, sumStated: number, sumHits: number];

const nonNegative = z.number().finite().min(0);

/** The monitor's state as plain JSON (a few hundred bytes per calibration). */
export const ReliabilitySnapshotSchema = z.strictObject({
  version: z.literal(1),
  /** Outcomes observed since the table was first built. */
  updates: z.number().int().min(0),
  keys: z.record(
    z.string().min(1),
    z.strictObject({
      /** True while a drift was reported and no recovery since. */
      drifting: z.boolean(),
      bins: z.array(z.tuple([nonNegative, nonNegative, nonNegative])).length(RELIABILITY_BINS),
    }),
  ),
});
export type ReliabilitySnapshot = z.output<typeof ReliabilitySnapshotSchema>;

/** Validates a parsed reliability snapshot; throws `InvalidInputError` naming each bad field. */
export function parseReliabilitySnapshot(raw: unknown): ReliabilitySnapshot {
  return parseOrThrow(ReliabilitySnapshotSchema, 'reliability snapshot', raw);
}

/** Stated against realized over one bin or a whole calibration; null figures when nothing was observed. */
export interface ReliabilityCell {
  /** Effective (decayed) number of outcomes. */
  count: number;
  meanStated: number | null;
  /** Share of outcomes that reached the take-profit before the stop. */
  realized: number | null;
  /** `realized - meanStated` in percentage points: negative when the signals promised too much. */
  errorPp: number | null;
}

export interface ReliabilityBinRow extends ReliabilityCell {
  /** Stated probabilities in [from, to) (the last bin includes 1). */
  from: number;
  to: number;
}

export interface ReliabilityKeyTable {
  /** Calibration id, or `uncalibrated`. */
  key: string;
  calibrated: boolean;
  /** A drift was reported for this calibration and it has not recovered. */
  drifting: boolean;
  overall: ReliabilityCell;
  bins: ReliabilityBinRow[];
}

/** Where a calibration's stated and realized rates were compared. */
export type ReliabilityScope = 'overall' | { bin: number; from: number; to: number };

/** A change of a calibration's state: its drift started, or it came back within bound. */
export interface ReliabilityFinding {
  kind: 'drift' | 'recovered';
  key: string;
  /** The comparison that decided: the worst one out of bound for a drift, the overall one for a recovery. */
  scope: ReliabilityScope;
  meanStated: number;
  realized: number;
  /** Effective number of outcomes in the scope. */
  count: number;
  /**
   * The largest tolerated |stated - realized|, as a probability: `max(tolerance, 3 standard
   * errors)`. A recovery is reported once the error is within `RELIABILITY_RECOVERY_SHARE` of it.
   */
  bound: number;
}

/** One scope's figures, with `excess` = |stated - realized| / bound (above 1: out of bound). */
type Comparison = Omit<ReliabilityFinding, 'kind' | 'key'> & { excess: number };

interface KeyState {
  bins: BinTotals[];
  drifting: boolean;
}

function emptyBins(): BinTotals[] {
  return Array.from({ length: RELIABILITY_BINS }, (): BinTotals => [0, 0, 0]);
}

function binOf(p: number): number {
  return Math.min(RELIABILITY_BINS - 1, Math.max(0, Math.floor(p * RELIABILITY_BINS)));
}

function cellOf(t: BinTotals): ReliabilityCell {
  const [w, s, h] = t;
  if (w <= 0) return { count: 0, meanStated: null, realized: null, errorPp: null };
  const meanStated = s / w;
  const realized = h / w;
  return { count: w, meanStated, realized, errorPp: (realized - meanStated) * 100 };
}

function sumBins(bins: readonly BinTotals[]): BinTotals {
  const out: BinTotals = [0, 0, 0];
  for (const b of bins) {
    out[0] += b[0];
    out[1] += b[1];
    out[2] += b[2];
  }
  return out;
}

/**
 * A running reliability table of stated probabilities against matured outcomes, per calibration:
 * ten bins of stated probability, each holding exponentially decayed totals (every new outcome
 * of a calibration scales its older ones by `1 - 1/windowOutcomes`), so the table follows about
 * the last `windowOutcomes` outcomes and an old fit's good record fades instead of hiding a drift.
 * `check` holds calibrated keys to their claim: with at least `minCount` effective outcomes,
 * overall or in a bin, |mean stated - realized| must stay within `max(tolerance, 3 standard
 * errors)`. The heuristic probability of uncalibrated signals claims nothing and is only tabulated.
 * Pure: no clock, no I/O; all state is in `snapshot()`.
 */
export class ReliabilityMonitor {
  private readonly keys = new Map<string, KeyState>();
  private readonly keep: number;
  private updates: number;
  private changes = 0;

  constructor(
    readonly params: ReliabilityParams,
    snapshot?: ReliabilitySnapshot,
  ) {
    this.keep = 1 - 1 / params.windowOutcomes;
    this.updates = snapshot?.updates ?? 0;
    for (const [key, k] of Object.entries(snapshot?.keys ?? {})) {
      this.keys.set(key, { drifting: k.drifting, bins: k.bins.map((b): BinTotals => [b[0], b[1], b[2]]) });
    }
  }

  /** Counts every observation and state change: a persister saves when it moved. */
  get revision(): number {
    return this.changes;
  }

  /** Outcomes observed in all, restored ones included. */
  get observed(): number {
    return this.updates;
  }

  /** Adds one matured outcome; returns false (and ignores it) when it carries no stated probability. */
  observe(outcome: LabelOutcome): boolean {
    const p = outcome.probability;
    if (p === undefined || !Number.isFinite(p)) return false;
    const key = outcome.calibrationId ?? UNCALIBRATED_KEY;
    let state = this.keys.get(key);
    if (!state) this.keys.set(key, (state = { bins: emptyBins(), drifting: false }));
    const keep = this.keep;
    for (const b of state.bins) {
      b[0] *= keep;
      b[1] *= keep;
      b[2] *= keep;
    }
    const bin = state.bins[binOf(p)]!;
    bin[0] += 1;
    bin[1] += p;
    bin[2] += outcome.outcome === 'tp' ? 1 : 0;
    this.updates++;
    this.changes++;
    return true;
  }

  /** The table per key (calibrations by id, `uncalibrated` last). */
  table(): ReliabilityKeyTable[] {
    return this.sortedKeys().map((key) => {
      const s = this.keys.get(key)!;
      return {
        key,
        calibrated: key !== UNCALIBRATED_KEY,
        drifting: s.drifting,
        overall: cellOf(sumBins(s.bins)),
        bins: s.bins.map((b, i) => ({ from: i / RELIABILITY_BINS, to: (i + 1) / RELIABILITY_BINS, ...cellOf(b) })),
      };
    });
  }

  /**
   * Compares every calibrated key against its bound and reports what changed since the last
   * check: a drift once when one starts, a recovery once when every comparison is back within
   * `RELIABILITY_RECOVERY_SHARE` of its bound. A key that stays drifting (or stays fine) reports nothing.
   */
  check(): ReliabilityFinding[] {
    const findings: ReliabilityFinding[] = [];
    for (const key of this.sortedKeys()) {
      if (key === UNCALIBRATED_KEY) continue;
      const s = this.keys.get(key)!;
      const overall = this.compare(sumBins(s.bins), 'overall');
      if (!overall) continue;
      // Drifting: out of bound. Recovered: back within RELIABILITY_RECOVERY_SHARE of it.
      const limit = s.drifting ? RELIABILITY_RECOVERY_SHARE : 1;
      let worst = overall.excess > limit ? overall : null;
      for (let i = 0; i < RELIABILITY_BINS; i++) {
        const c = this.compare(s.bins[i]!, { bin: i, from: i / RELIABILITY_BINS, to: (i + 1) / RELIABILITY_BINS });
        if (c && c.excess > limit && (!worst || c.excess > worst.excess)) worst = c;
      }
      if (worst && !s.drifting) {
        s.drifting = true;
        this.changes++;
        findings.push(this.finding('drift', key, worst));
      } else if (!worst && s.drifting) {
        s.drifting = false;
        this.changes++;
        findings.push(this.finding('recovered', key, overall));
      }
    }
    return findings;
  }

  snapshot(): ReliabilitySnapshot {
    const keys: ReliabilitySnapshot['keys'] = {};
    for (const key of this.sortedKeys()) {
      const s = this.keys.get(key)!;
      keys[key] = { drifting: s.drifting, bins: s.bins.map((b): BinTotals => [b[0], b[1], b[2]]) };
    }
    return { version: 1, updates: this.updates, keys };
  }

  private sortedKeys(): string[] {
    return [...this.keys.keys()].sort((a, b) => (a === UNCALIBRATED_KEY ? 1 : b === UNCALIBRATED_KEY ? -1 : a < b ? -1 : a > b ? 1 : 0));
  }

  /** The comparison of one scope, or null below `minCount`. */
  private compare(t: BinTotals, scope: ReliabilityScope): Comparison | null {
    const [n, sumStated, sumHits] = t;
    if (n < this.params.minCount) return null;
    const meanStated = sumStated / n;
    const realized = sumHits / n;
    // Sampling noise of a hit rate over n outcomes if the stated probability were right.
    const bound = Math.max(this.params.tolerancePp / 100, 3 * Math.sqrt((meanStated * (1 - meanStated)) / n));
    return { scope, meanStated, realized, count: n, bound, excess: Math.abs(meanStated - realized) / bound };
  }

  private finding(kind: ReliabilityFinding['kind'], key: string, c: Comparison): ReliabilityFinding {
    return { kind, key, scope: c.scope, meanStated: c.meanStated, realized: c.realized, count: c.count, bound: c.bound };
  }
}
