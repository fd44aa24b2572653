import type { BanditSnapshot, RegimeState, ReliabilitySnapshot, Signal, SignalCycle, SignalEngineConfig, SignalEngineSnapshot } from '../signals/index.js';

/** A stored row that did not validate and was left out of a restore. */
export interface SkippedStateRow {
  table: string;
  rowId: number | string;
  /** The column, or the path inside a JSON column (`payload_json.entryPrice`). */
  field: string;
  reason: string;
}

/** What the analyzer resumes from. */
export interface RestoredSignalState {
  /** The signal engine's learned state; undefined when nothing was stored. */
  snapshot?: SignalEngineSnapshot;
  /** Selected signals of earlier runs, newest first. */
  recentSignals: Signal[];
  /** Rows left out because they did not validate. */
  skipped: SkippedStateRow[];
  /** The reliability table of stated probabilities against outcomes; undefined when nothing was stored. */
  reliability?: ReliabilitySnapshot;
}

/** The engine's clock at restore, against which stored times are checked. */
export interface RestoreTime {
  /** Market time now (the sim's clock on a sim run). */
  nowMs: number;
  /** The longest bar the engine tracks: a stored time may lead `nowMs` by at most this much. */
  barMs: number;
}

/** The engine state a cycle leaves behind besides its signals and labels. */
export interface LearnedSignalState {
  bandit: BanditSnapshot;
  lastCloseTimeMs: number | null;
  regime: RegimeState | null;
  /** The reliability table, present only when it changed since the last save. */
  reliability?: ReliabilitySnapshot;
}

/**
 * Where the analyzer's learning lives between runs (bandit weights, pending and matured labels,
 * selected signals). `restore` runs once, before the first cycle; `saveCycle` after every cycle,
 * before its signals are emitted, and writes the whole cycle at once; when the store cannot write
 * (a full disk, a lock) it throws, and keeps the cycle's writes for the next save that commits.
 * Neither may throw for bad stored data: a row that does not validate, or is dated after `at`
 * (written on another clock, such as an accelerated sim), is skipped and reported.
 */
export interface SignalStatePort {
  restore(config: SignalEngineConfig, recentLimit: number, at: RestoreTime): RestoredSignalState;
  saveCycle(cycle: SignalCycle, learned: LearnedSignalState): void;
}
