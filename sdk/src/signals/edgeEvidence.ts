import { z } from 'zod';
import { parseOrThrow } from '../core/zodIssues.js';
import { CalibrationProvenanceSchema } from './calibrationFile.js';
import shipped from './calibrations/edge.json' with { type: 'json' };
import { REGIME_KINDS, type RegimeKind } from './types.js';

/** Regime of a cell: a regime kind, `none` for signals with no regime read yet, or null for the strategy over every regime. */
const CellRegimeSchema = z.union([z.enum(REGIME_KINDS), z.literal('none')]).nullable();

/** One strategy (x regime) cell of out-of-sample, after-cost realized returns per signal. */
export const EdgeCellSchema = z.strictObject({
  strategy: z.string().min(1),
  regime: CellRegimeSchema,
  signals: z.number().int().nonnegative(),
  /** Share of signals that reached the take-profit before the stop. */
  hitRate: z.number().min(0).max(1),
  /** Mean realized return per signal after fees and funding, in percent of entry. */
  meanNetPct: z.number().finite(),
  /** One-sided 95 % t-based lower bound of the mean, in percent, before any correction. */
  lowerBoundPct: z.number().finite(),
  /** The same bound at the corrected confidence (see `method`): what decides `tradable`. */
  correctedLowerBoundPct: z.number().finite(),
  /** The corrected lower bound is above zero. */
  tradable: z.boolean(),
});
export type EdgeCell = z.output<typeof EdgeCellSchema>;

export const EdgeMethodSchema = z.strictObject({
  /** How the returns were produced (walk-forward test folds of the data set). */
  sample: z.string().min(1),
  /** Labeler settings the outcomes were measured with. */
  horizonBars: z.number().int().positive(),
  tpAtrMult: z.number().positive(),
  slAtrMult: z.number().positive(),
  /** Family-wise confidence of the bounds; each cell is bounded at `1 - (1 - confidence) / cellsTested` (Bonferroni). */
  confidence: z.number().gt(0).lt(1),
  cellsTested: z.number().int().nonnegative(),
  /** Cells with fewer signals are neither listed nor counted in `cellsTested`. */
  minSignals: z.number().int().positive(),
});

/**
 * Out-of-sample evidence of edge per strategy and strategy x regime, shipped as data beside the
 * calibration. The AutoTrader trades, by default, only what a `tradable` cell backs.
 */
export const EdgeEvidenceFileSchema = z.strictObject({
  format: z.literal(1),
  /** Names the evidence in signals and the trader's status. */
  id: z.string().min(1),
  provenance: CalibrationProvenanceSchema,
  method: EdgeMethodSchema,
  cells: z.array(EdgeCellSchema),
  /** One sentence: what the evidence allows. */
  verdict: z.string().min(1),
});
export type EdgeEvidenceFile = z.output<typeof EdgeEvidenceFileSchema>;

/** Validates a parsed evidence file; throws `InvalidInputError` naming each bad field. */
export function parseEdgeEvidenceFile(raw: unknown): EdgeEvidenceFile {
  return parseOrThrow(EdgeEvidenceFileSchema, 'edge evidence file', raw);
}

/** The evidence shipped with the SDK (`calibrations/edge.json`, written by `scripts/eval-signals.ts`). */
export const DEFAULT_EDGE_EVIDENCE: EdgeEvidenceFile = parseEdgeEvidenceFile(shipped);

/** What a signal carries about one agreeing strategy's out-of-sample record. */
export interface StrategyEvidence {
  strategy: string;
  /** The cell shown: the signal's regime when that cell was measured, else the strategy over all regimes (null). */
  regime: RegimeKind | 'none' | null;
  signals: number;
  hitRate: number;
  meanNetPct: number;
  correctedLowerBoundPct: number;
  /** The strategy has shown an edge here: its regime cell or its all-regime cell is tradable. */
  tradable: boolean;
  /** Id of the evidence file. */
  evidenceId: string;
}

/** Evidence compiled for lookups by (strategy, regime) on one timeframe. */
export interface CompiledEdgeEvidence {
  id: string;
  timeframe: string;
  cells: ReadonlyMap<string, EdgeCell>;
  /**
   * Records already built, by strategy then regime: every signal of a cycle asks for the same few,
   * so each is built once and shared (signals treat it as read-only).
   */
  records: Map<string, Map<RegimeKind | null, StrategyEvidence | null>>;
}

const cellKey = (strategy: string, regime: RegimeKind | 'none' | null): string => `${strategy}\u0000${regime ?? '*'}`;

export function compileEdgeEvidence(file: EdgeEvidenceFile): CompiledEdgeEvidence {
  return { id: file.id, timeframe: file.provenance.timeframe, cells: new Map(file.cells.map((c) => [cellKey(c.strategy, c.regime), c])), records: new Map() };
}

function buildRecord(ev: CompiledEdgeEvidence, strategy: string, regime: RegimeKind | null): StrategyEvidence | null {
  const inRegime = ev.cells.get(cellKey(strategy, regime ?? 'none'));
  const overall = ev.cells.get(cellKey(strategy, null));
  const shown = inRegime ?? overall;
  if (!shown) return null;
  return {
    strategy,
    regime: shown.regime,
    signals: shown.signals,
    hitRate: shown.hitRate,
    meanNetPct: shown.meanNetPct,
    correctedLowerBoundPct: shown.correctedLowerBoundPct,
    tradable: (inRegime?.tradable ?? false) || (overall?.tradable ?? false),
    evidenceId: ev.id,
  };
}

/**
 * A strategy's record for a signal of `timeframe` in `regime`, or null when the evidence did not
 * measure it (another timeframe, or too few signals): no record is no edge.
 */
export function strategyEvidence(ev: CompiledEdgeEvidence, strategy: string, timeframe: string, regime: RegimeKind | null): StrategyEvidence | null {
  if (timeframe !== ev.timeframe) return null;
  let byRegime = ev.records.get(strategy);
  if (!byRegime) ev.records.set(strategy, (byRegime = new Map()));
  let record = byRegime.get(regime);
  if (record === undefined) byRegime.set(regime, (record = buildRecord(ev, strategy, regime)));
  return record;
}

/** The evidence a signal-engine configuration uses: its own, the shipped file when absent, or none. */
export function resolveEdgeEvidence(config: { edgeEvidence?: EdgeEvidenceFile | null | undefined }): EdgeEvidenceFile | null {
  return config.edgeEvidence === undefined ? DEFAULT_EDGE_EVIDENCE : config.edgeEvidence;
}
