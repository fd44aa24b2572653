import type { EdgeCell, EdgeEvidenceFile } from '../edgeEvidence.js';
import type { CalibrationProvenance } from '../calibrationFile.js';
import type { RegimeKind } from '../types.js';
import { expectancyBound } from './expectancy.js';
import type { SignalRecord } from './signalRecords.js';

export interface EdgeEvidenceOptions {
  id: string;
  provenance: CalibrationProvenance;
  /** How `records` were produced, in one phrase (`walk-forward test folds 2-5 of 5`). */
  sample: string;
  horizonBars: number;
  tpAtrMult: number;
  slAtrMult: number;
  /** Family-wise confidence; 0.95 by default. */
  confidence?: number;
  /** Smallest cell reported and tested; 30 by default. */
  minSignals?: number;
}

interface Cell {
  strategy: string;
  regime: RegimeKind | 'none' | null;
  values: number[];
  hits: number;
}

/**
 * Per strategy and per strategy x regime: the after-cost returns of the signals each strategy
 * agreed with (a signal counts once for every agreeing strategy). A cell is `tradable` when the
 * one-sided lower bound of its mean stays above zero at a Bonferroni-corrected confidence: with
 * two dozen cells tested, one of them clears an uncorrected 95 % bound by chance about once per
 * data set, and that is the cell a per-cell rule would trade.
 */
export function buildEdgeEvidence(records: readonly SignalRecord[], o: EdgeEvidenceOptions): EdgeEvidenceFile {
  const confidence = o.confidence ?? 0.95;
  const minSignals = o.minSignals ?? 30;
  const cells = new Map<string, Cell>();
  const add = (strategy: string, regime: Cell['regime'], r: SignalRecord): void => {
    const key = `${strategy}|${regime ?? '*'}`;
    const c = cells.get(key) ?? cells.set(key, { strategy, regime, values: [], hits: 0 }).get(key)!;
    c.values.push(r.netReturnPct);
    c.hits += r.hit;
  };
  for (const r of records) {
    for (const c of r.signal.components) {
      add(c.id, null, r);
      add(c.id, r.signal.regime ?? 'none', r);
    }
  }
  const tested = [...cells.values()].filter((c) => c.values.length >= minSignals);
  const corrected = 1 - (1 - confidence) / Math.max(1, tested.length);
  const out: EdgeCell[] = tested
    .map((c) => {
      const plain = expectancyBound(c.values, confidence);
      const strict = expectancyBound(c.values, corrected);
      return {
        strategy: c.strategy,
        regime: c.regime,
        signals: c.values.length,
        hitRate: c.hits / c.values.length,
        meanNetPct: 100 * plain.mean,
        lowerBoundPct: 100 * plain.lowerT,
        correctedLowerBoundPct: 100 * strict.lowerT,
        tradable: strict.lowerT > 0,
      };
    })
    .sort((a, b) => (a.strategy < b.strategy ? -1 : a.strategy > b.strategy ? 1 : (a.regime ?? '') < (b.regime ?? '') ? -1 : 1));
  const tradable = out.filter((c) => c.tradable);
  const verdict = tradable.length
    ? `trade only ${tradable.map((c) => (c.regime === null ? c.strategy : `${c.strategy} in ${c.regime}`)).join(', ')}: the cells whose lower bound of expectancy after costs stays above zero`
    : `trade nothing by default: no strategy or strategy x regime cell of ${out.length} has a lower bound of expectancy after costs above zero at ${(100 * confidence).toFixed(0)} % family-wise confidence`;
  return {
    format: 1,
    id: o.id,
    provenance: o.provenance,
    method: { sample: o.sample, horizonBars: o.horizonBars, tpAtrMult: o.tpAtrMult, slAtrMult: o.slAtrMult, confidence, cellsTested: out.length, minSignals },
    cells: out,
    verdict,
  };
}
