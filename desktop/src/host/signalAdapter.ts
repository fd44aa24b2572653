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

/** `signals.list` over the engine's recent signals (newest first). */
export function signalPort(recent: () => readonly Signal[]): SignalPort {
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
      return out;
    },
  };
}
