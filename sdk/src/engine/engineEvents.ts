import type { MarketHealthSnapshot, UniverseChange, BarEvent, BackfillProgress } from '../market/index.js';
import type { RankingResult } from '../ranking/index.js';
import type { Signal } from '../signals/index.js';

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
  /** The ranked universe, once per analysis cycle. */
  ranking: RankingResult;
}

export interface EngineAlert {
  atMs: number;
  level: 'info' | 'warn' | 'error';
  kind: string;
  message: string;
  details?: Record<string, unknown>;
}
