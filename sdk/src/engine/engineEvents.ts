import type { MarketHealthSnapshot, UniverseChange, BarEvent, BackfillProgress } from '../market/index.js';
import type { RankingResult } from '../ranking/index.js';
import type { Signal } from '../signals/index.js';
import type { Timeframe } from '@perpscope/shared';

/**
 * Typed events of the engine. Payload types of analytics and trading events are defined by their
 * modules; `on(event, fn)` returns an unsubscribe function.
 */
export interface EngineEventMap {
  universe: UniverseChange;
  bar: BarEvent;
  health: MarketHealthSnapshot;
  progress: BackfillProgress;
  alert: EngineAlert;
  /** A selected composite signal, on bar close. */
  signal: Signal;
  /** The ranked universe, once per analysis cycle (and during the warm start, the symbols seeded so far). */
  ranking: RankingResult;
  /** The warm start's progress, after each batch of symbols is seeded and once when it is done. */
  warmup: WarmUpProgress;
}

/** How far the warm start is: symbols of the universe whose history is fetched and seeded. */
export interface WarmUpProgress {
  /** Symbols seeded into the analyzer (every timeframe): these are ranked. */
  seeded: number;
  /** Symbols of the universe being warmed up. */
  total: number;
  /** Streams (symbol x timeframe) whose backfill has ended, and how many there are. */
  backfilled: number;
  streams: number;
  /** The timeframes each symbol is warmed up on. */
  timeframes: readonly Timeframe[];
  /** Wall ms the rest should take at the pace so far; null until a stream has been fetched, 0 when done. */
  etaMs: number | null;
  /** True on the last event: the whole universe is seeded and ranked, or the warm-up failed. */
  done: boolean;
  /** Set on the last event when the warm-up ended on an error (the engine's start rejects with it). */
  failed?: boolean;
}


export interface EngineAlert {
  atMs: number;
  level: 'info' | 'warn' | 'error';
  kind: string;
  message: string;
  details?: Record<string, unknown>;
}
