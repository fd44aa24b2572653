import type { Signal } from '@perpscope/sdk';
import type { MethodParams, SignalView } from '@perpscope/shared';
import type { SignalPort } from './ports.js';

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** A composite signal as the feed shows it; components are strategy id -> weighted strength. */
export function toSignalView(s: Signal): SignalView {
  const components: Record<string, number> = {};
  for (const c of s.components) {
    const v = c.score * c.weight;
    if (Number.isFinite(v)) components[c.id] = v;
  }
  return {
    id: s.id,
    symbol: s.symbol,
    timeframe: s.timeframe,
    side: s.side,
    score: s.score,
    calibrated: s.calibrated,
    ...(s.calibrationId !== undefined ? { calibrationId: s.calibrationId } : {}),
    probability: s.probability,
    expectedValue: finiteOrNull(s.expectedValue),
    tags: [...s.tags],
    components,
    entryPrice: finiteOrNull(s.levels.entry),
    stopPrice: finiteOrNull(s.levels.stop),
    targetPrices: Number.isFinite(s.levels.takeProfit) ? [s.levels.takeProfit] : [],
    createdAtMs: Math.floor(s.closeTimeMs),
    evidence: s.evidence.map((e) => ({
      strategy: e.strategy,
      regime: e.regime,
      signals: e.signals,
      hitRate: e.hitRate,
      meanNetPct: e.meanNetPct,
      correctedLowerBoundPct: e.correctedLowerBoundPct,
      tradable: e.tradable,
      evidenceId: e.evidenceId,
    })),
  };
}

type Outcome = NonNullable<SignalView['outcome']>;

/** The part of the store the outcome lookup reads: selected signals by key, and their labels. */
export interface SignalLabelStore {
  signals: { selectedKeysSince(exchange: string, sinceMs: number): readonly { id: number; signalKey: string | null }[] };
  labels: { forSignal(signalRowId: number): readonly { status: 'pending' | 'matured'; payload: Record<string, unknown> }[] };
}

/** Outcomes by signal id for the signals listed (created at or after `sinceMs`); a signal without one is open. */
export type SignalOutcomes = (sinceMs: number) => ReadonlyMap<string, Outcome>;

/**
 * Outcomes the labeler stored: each selected signal's matured label carries `tp`, `sl` or
 * `timeout`. Read from the store rather than the engine, so they survive a restart.
 */
export function storedSignalOutcomes(store: SignalLabelStore, exchange: string): SignalOutcomes {
  return (sinceMs) => {
    const out = new Map<string, Outcome>();
    for (const row of store.signals.selectedKeysSince(exchange, sinceMs)) {
      if (row.signalKey === null) continue;
      for (const label of store.labels.forSignal(row.id)) {
        const o = label.payload['outcome'];
        if (label.status === 'matured' && (o === 'tp' || o === 'sl' || o === 'timeout')) out.set(row.signalKey, o);
      }
    }
    return out;
  };
}

/** `signals.list` over the engine's recent signals (newest first), with their outcomes when `outcomes` is given. */
export function signalPort(recent: () => readonly Signal[], outcomes?: SignalOutcomes): SignalPort {
  return {
    list(p: MethodParams<'signals.list'>): SignalView[] {
      const limit = p.limit ?? 200;
      const out: SignalView[] = [];
      for (const s of recent()) {
        if (out.length >= limit) break;
        if (p.symbol !== undefined && s.symbol !== p.symbol) continue;
        if (p.sinceMs !== undefined && s.closeTimeMs < p.sinceMs) continue;
        out.push(toSignalView(s));
      }
      if (outcomes && out.length > 0) {
        const found = outcomes(Math.min(...out.map((v) => v.createdAtMs)));
        for (const v of out) v.outcome = found.get(v.id) ?? 'open';
      }
      return out;
    },
  };
}
