import { z } from 'zod';
import type { EdgeEvidenceFile, StrategyEvidence } from '../signals/edgeEvidence.js';

/**
 * Which signals the AutoTrader may trade. By default only those backed by out-of-sample evidence:
 * an agreeing strategy with a tradable cell (see `EdgeEvidenceFile`). `overrides` names
 * strategies traded whatever the evidence says; the GUI and `run` events mark them.
 */
export const EdgeGateConfigSchema = z.strictObject({
  /** Trade only evidence-backed signals (and `overrides`); false trades every signal RiskPolicy passes. */
  require: z.boolean().default(true),
  /** Strategy ids traded without evidence of edge. */
  overrides: z.array(z.string().min(1)).default([]),
});
export type EdgeGateConfig = z.output<typeof EdgeGateConfigSchema>;

/** What the gate reads of a signal. */
export interface EdgeGateInput {
  /** Ids of the agreeing strategies. */
  strategies: readonly string[];
  timeframe: string;
  regime: string | null;
  /** The signal's evidence per agreeing strategy (those the evidence measured). */
  evidence: readonly StrategyEvidence[];
}

export type EdgeBasis = 'evidence' | 'override' | 'gate_off' | 'no_edge';

export interface EdgeDecision {
  allowed: boolean;
  basis: EdgeBasis;
  /** The strategy that allowed it (evidence or override). */
  strategy?: string;
  message: string;
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(3)} %`;

export function edgeDecision(cfg: EdgeGateConfig, s: EdgeGateInput): EdgeDecision {
  if (!cfg.require) return { allowed: true, basis: 'gate_off', message: 'edge gate off (autotrade.edge.require = false)' };
  const backed = s.evidence.find((e) => e.tradable);
  if (backed) {
    return { allowed: true, basis: 'evidence', strategy: backed.strategy, message: `${backed.strategy}: ${pct(backed.meanNetPct)} per signal out of sample over ${backed.signals} signals (${backed.evidenceId})` };
  }
  const overridden = s.strategies.find((id) => cfg.overrides.includes(id));
  if (overridden) return { allowed: true, basis: 'override', strategy: overridden, message: `${overridden} traded by override (autotrade.edge.overrides), without evidence of edge` };
  const measured = s.evidence.map((e) => `${e.strategy} in ${e.regime ?? 'all regimes'}: ${pct(e.meanNetPct)}, corrected lower bound ${pct(e.correctedLowerBoundPct)} over ${e.signals} signals`);
  const unmeasured = s.strategies.filter((id) => !s.evidence.some((e) => e.strategy === id));
  const parts = [...measured, ...(unmeasured.length ? [`no out-of-sample record for ${unmeasured.join(', ')} on ${s.timeframe}${s.regime ? ` in ${s.regime}` : ''}`] : [])];
  return { allowed: false, basis: 'no_edge', message: `no out-of-sample edge: ${parts.join('; ')}` };
}

/** The gate as the trader's status, the GUI and `run` events describe it. */
export interface EdgeGateStatus {
  require: boolean;
  overrides: string[];
  /** Evidence in use, or null when none is loaded. */
  evidenceId: string | null;
  timeframe: string | null;
  /** Cells that back trading, as `strategy` or `strategy in regime`. */
  tradable: string[];
  /** True when, with these settings, no signal can be traded. */
  tradesNothing: boolean;
  message: string;
}

export function edgeGateStatus(cfg: EdgeGateConfig, evidence: EdgeEvidenceFile | null): EdgeGateStatus {
  const tradable = (evidence?.cells ?? []).filter((c) => c.tradable).map((c) => (c.regime === null ? c.strategy : `${c.strategy} in ${c.regime}`));
  const base = { require: cfg.require, overrides: [...cfg.overrides], evidenceId: evidence?.id ?? null, timeframe: evidence?.provenance.timeframe ?? null, tradable };
  if (!cfg.require) return { ...base, tradesNothing: false, message: 'Edge gate off: every signal RiskPolicy passes is traded, with or without evidence of edge.' };
  const over = cfg.overrides.length ? ` Traded by override, without evidence: ${cfg.overrides.join(', ')}.` : '';
  if (tradable.length) return { ...base, tradesNothing: false, message: `Trading only what showed an edge out of sample on ${evidence!.provenance.timeframe} (${evidence!.id}): ${tradable.join(', ')}.${over}` };
  if (cfg.overrides.length) return { ...base, tradesNothing: false, message: `No strategy showed an edge out of sample${evidence ? ` (${evidence.id})` : ''}.${over}` };
  return {
    ...base,
    tradesNothing: true,
    message: evidence
      ? `Trading nothing: no strategy or strategy x regime showed an edge after costs out of sample (${evidence.id}, ${evidence.method.cellsTested} cells tested). Name strategies in autotrade.edge.overrides to trade them anyway.`
      : 'Trading nothing: no edge evidence is loaded. Name strategies in autotrade.edge.overrides, or set autotrade.edge.require to false.',
  };
}
