import type { FeatureRow } from '../features/types.js';
import type { EntryPlan, Side } from '../strategies/types.js';
import type { StrategyEvidence } from './edgeEvidence.js';

export const REGIME_KINDS = ['bull', 'bear', 'chop', 'panic'] as const;
export type RegimeKind = (typeof REGIME_KINDS)[number];

/** The market regime read from the anchor (BTC) series. */
export interface RegimeState {
  kind: RegimeKind;
  /** Smooth trend score in [-1, 1]: sign from the EMA slope, size from slope and ADX. */
  score: number;
  /** Suggested multiplier on position risk. */
  riskMultiplier: number;
  /** Multiplier on TP/SL distances (shrunk in panic). */
  tpslMultiplier: number;
  /** Open time of the anchor bar it was read from. */
  asOfOpenTimeMs: number;
  adx: number;
  atrPct: number;
  emaSlope: number;
}

/** One strategy's contribution to a composite signal. */
export interface SignalComponent {
  id: string;
  side: Side;
  /** Strategy strength in [0, 1]. */
  score: number;
  /** Bandit blend weight (1 = average arm). */
  weight: number;
  /** The strategy's level, or null. */
  level: number | null;
}

export interface SignalLevels {
  entry: number;
  stop: number;
  takeProfit: number;
  /** Each agreeing component's level, by strategy id. */
  byComponent: Record<string, number>;
}

/** A composite signal for one symbol x timeframe at one closed bar. Every number is finite. */
export interface Signal {
  /** Hash of symbol, timeframe, bar open time, side and component ids. */
  id: string;
  symbol: string;
  timeframe: string;
  openTimeMs: number;
  closeTimeMs: number;
  side: Side;
  score: number;
  /**
   * True when `probability` comes from a fitted calibration for this signal's context (see
   * `calibrationId`); false when no calibration applies, and then `probability` and
   * `expectedValue` are the score's heuristic mapping, not evidence: show them as uncalibrated.
   */
  calibrated: boolean;
  /** Id of the calibration that produced `probability`, when `calibrated`. */
  calibrationId?: string;
  /**
   * Probability of reaching the take-profit before the stop when `calibrated`; otherwise
   * `sigmoid(slope * (score - mid))`, a monotone rescaling of the score kept for compatibility.
   */
  probability: number;
  /**
   * `probability * tp - (1 - probability) * sl - round-trip fee - funding over the labeler's
   * horizon` (funding where the features carry it), as a fraction of the entry price.
   */
  expectedValue: number;
  regime: RegimeKind | null;
  riskMultiplier: number;
  /** Agreeing components, by id. */
  components: SignalComponent[];
  /**
   * Out-of-sample record of each agreeing strategy for this timeframe and regime, from the loaded
   * edge evidence; strategies it did not measure are absent. The AutoTrader trades the signal
   * by default only when one of them is `tradable`.
   */
  evidence: StrategyEvidence[];
  tags: string[];
  levels: SignalLevels;
  /** The Donchian-ATR plan when that strategy agrees, else null. */
  entryPlan: EntryPlan | null;
}

/** One series whose bar just closed, with its features. */
export interface SeriesBar {
  symbol: string;
  timeframe: string;
  closeTimeMs: number;
  features: FeatureRow;
  prev: FeatureRow | null;
}

export type LabelOutcomeKind = 'tp' | 'sl' | 'timeout';

/** A matured signal, scored after its horizon under TP/SL. */
export interface LabelOutcome {
  signalId: string;
  symbol: string;
  timeframe: string;
  side: Side;
  components: string[];
  outcome: LabelOutcomeKind;
  /** Realised return as a fraction of entry, signed for the side. */
  returnPct: number;
  /** Bandit reward in [0, 1]. */
  reward: number;
  barsHeld: number;
  /** Open time of the bar that resolved it. */
  resolvedOpenTimeMs: number;
  /** The probability the signal stated; absent for labels made before it was carried. */
  probability?: number;
  /** The calibration behind `probability`; null when it was the uncalibrated heuristic. */
  calibrationId?: string | null;
}

/** What one bar-close cycle produced. */
export interface SignalCycle {
  closeTimeMs: number;
  regime: RegimeState | null;
  /** Every composite that passed the score and component gates, best first. */
  candidates: Signal[];
  /** The selection: after dedupe, cooldowns, per-timeframe, per-symbol and per-cycle caps. */
  signals: Signal[];
  /** Every blended composite of this cycle, gated or not: each was given a pending label. */
  labeled: Signal[];
  matured: LabelOutcome[];
  /**
   * Signal ids whose pending labels the labeler's cap (`labeler.maxPending`) dropped this cycle,
   * oldest signal bar first (possibly one labeled in this very cycle): their outcomes will never
   * be known, and a store stops tracking them.
   */
  dropped: string[];
}
