import type { SignalView, StrategyEvidenceView } from '@perpscope/shared';

/** Whether a signal is backed by out-of-sample evidence; `unknown` when the host sends none (older hosts). */
export type EdgeMark = 'edge' | 'no_edge' | 'unknown';

/** A strategy's out-of-sample record in one line: `OOS donchian-atr/bear: hit 42 %, -0.07 %/signal, n 2160`. */
export function evidenceLine(e: StrategyEvidenceView): string {
  const mean = `${e.meanNetPct > 0 ? '+' : ''}${e.meanNetPct.toFixed(2)} %`;
  return `OOS ${e.strategy}/${e.regime ?? 'all'}: hit ${Math.round(e.hitRate * 100)} %, ${mean}/signal, n ${e.signals}`;
}

/** Tooltip with what decides tradability: the corrected lower bound and the evidence id. */
export function evidenceTitle(e: StrategyEvidenceView): string {
  const lb = `${e.correctedLowerBoundPct > 0 ? '+' : ''}${e.correctedLowerBoundPct.toFixed(3)} %`;
  return `${e.tradable ? 'Edge' : 'No edge'}: corrected lower bound of the mean ${lb} per signal (${e.evidenceId})`;
}

/** `edge` when one agreeing strategy is tradable, `no_edge` when none is (or none was measured). */
export function edgeMark(s: SignalView): EdgeMark {
  if (s.evidence === undefined) return 'unknown';
  return s.evidence.some((e) => e.tradable) ? 'edge' : 'no_edge';
}

/** The signal's strategies the auto-trader trades by override, whatever the evidence says. */
export function overriddenStrategies(s: SignalView, overrides: readonly string[]): string[] {
  return Object.keys(s.components).filter((id) => overrides.includes(id));
}

/** Why a signal has no record: its strategies the evidence did not measure on this timeframe. */
export function unmeasuredStrategies(s: SignalView): string[] {
  const measured = new Set((s.evidence ?? []).map((e) => e.strategy));
  return Object.keys(s.components).filter((id) => !measured.has(id));
}
