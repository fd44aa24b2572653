import { calibratedProbability, compileCalibration, type Calibration } from '../calibration.js';
import type { CalibrationFile } from '../calibrationFile.js';
import { aucMannWhitney } from './auc.js';
import { fitSignalCalibration, type CalibrationSample } from './fitCalibration.js';
import { fitIsotonic, predictIsotonic } from './isotonic.js';
import { maxCalibrationError, reliabilityTable } from './reliability.js';
import { baseRate, brierScore } from './scores.js';
import type { SignalRecord } from './signalRecords.js';
import { walkForwardSteps } from './walkForward.js';

/**
 * Candidate calibrations, declared before any fit: Platt scaling of the composite score, and a
 * small logistic over what the signal itself states (score, agreeing count, side) plus ATR%,
 * which sets the distances the labeler measures. Both are monotone and have few parameters, so a
 * fit on five months says something about the sixth.
 */
export const CALIBRATION_CANDIDATES: readonly { model: string; inputs: readonly string[]; l2: number }[] = [
  { model: 'platt-score', inputs: ['score'], l2: 10 },
  { model: 'logistic-signal', inputs: ['score', 'components', 'side', 'atrPct'], l2: 10 },
];

/** Targets a calibration must meet out of sample to ship. */
export const CALIBRATION_GATES = { maxDecileErrorPp: 5, minDecileCount: 200 } as const;

/** Out-of-sample figures of one candidate, pooled over the walk-forward test folds. */
export interface CandidateScore {
  model: string;
  signals: number;
  brier: number;
  constantBrier: number;
  auc: number;
  maxDecileErrorPp: number;
}

export interface CalibrationRun {
  file: CalibrationFile;
  candidates: CandidateScore[];
  /** Pooled out-of-sample predictions of every candidate, the heuristic and the constant, with outcomes. */
  oos: { hit: number[]; heuristic: number[]; constant: number[]; isotonic: number[]; byModel: Record<string, number[]>; records: SignalRecord[] };
  /** The best candidate refitted on every record, whether or not it passed. */
  best: Calibration;
  /** `best` when it passed the gates, else null: what the file ships. */
  final: Calibration | null;
}

export interface CalibrationRunOptions {
  folds: number;
  dataset: string;
  fingerprint: string;
  timeframe: string;
  symbols: number;
  roundTripFeeBps: number;
  generatedBy: string;
}

function sampleOf(r: SignalRecord): CalibrationSample {
  return { features: r.features, score: r.signal.score, components: r.signal.components.length, side: r.signal.side, hit: r.hit };
}

function predict(cal: Calibration, r: SignalRecord): number {
  return calibratedProbability(compileCalibration(cal), r.features, r.signal.score, r.signal.components.length, r.signal.side);
}

const iso = (ms: number): string => new Date(ms).toISOString();
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Walk-forward calibration: each candidate is fitted on the folds before each test fold and
 * scored on it; the candidate with the lowest pooled Brier ships, refitted on every record, if it
 * beats the constant base rate and meets the decile target. Otherwise the file says
 * `calibrated: false` with the numbers that decided it.
 */
export function runCalibration(records: readonly SignalRecord[], o: CalibrationRunOptions): CalibrationRun {
  const steps = walkForwardSteps(records, o.folds, (r) => r.signal.closeTimeMs, (r) => r.resolvedCloseTimeMs);
  const oos: CalibrationRun['oos'] = { hit: [], heuristic: [], constant: [], isotonic: [], byModel: {}, records: [] };
  for (const c of CALIBRATION_CANDIDATES) oos.byModel[c.model] = [];
  for (const step of steps) {
    if (step.train.length === 0 || step.test.length === 0) continue;
    const samples = step.train.map(sampleOf);
    const rate = baseRate(samples.map((s) => s.hit));
    const isoFit = fitIsotonic(step.train.map((r) => r.signal.score), samples.map((s) => s.hit));
    const fits = CALIBRATION_CANDIDATES.map((c) => fitSignalCalibration(samples, { inputs: c.inputs, l2: c.l2 }));
    for (const r of step.test) {
      oos.records.push(r);
      oos.hit.push(r.hit);
      oos.heuristic.push(r.signal.probability);
      oos.constant.push(rate);
      oos.isotonic.push(predictIsotonic(isoFit, r.signal.score));
      CALIBRATION_CANDIDATES.forEach((c, k) => oos.byModel[c.model]!.push(predict(fits[k]!, r)));
    }
  }
  const constantBrier = brierScore(oos.constant, oos.hit);
  const candidates: CandidateScore[] = CALIBRATION_CANDIDATES.map((c) => {
    const p = oos.byModel[c.model]!;
    return {
      model: c.model,
      signals: p.length,
      brier: brierScore(p, oos.hit),
      constantBrier,
      auc: aucMannWhitney(p, oos.hit),
      maxDecileErrorPp: 100 * maxCalibrationError(reliabilityTable(p, oos.hit), CALIBRATION_GATES.minDecileCount),
    };
  });
  const best = [...candidates].sort((a, b) => a.brier - b.brier)[0]!;
  const beatsConstant = best.brier < constantBrier;
  // NaN (no decile holds enough signals to judge) does not pass: the target must be checked to be met.
  const meetsDeciles = best.maxDecileErrorPp <= CALIBRATION_GATES.maxDecileErrorPp;
  const ships = beatsConstant && meetsDeciles && records.length > 0;
  const fmt = (x: number, d = 4): string => x.toFixed(d);
  const verdict = ships
    ? `${best.model} ships: out-of-sample Brier ${fmt(best.brier)} < base-rate constant ${fmt(constantBrier)}, worst decile off by ${fmt(best.maxDecileErrorPp, 1)} pp`
    : `no calibration ships: best candidate ${best.model} has out-of-sample Brier ${fmt(best.brier)} against ${fmt(constantBrier)} for the base-rate constant${beatsConstant ? '' : ' (not below it)'}, AUC ${fmt(best.auc, 3)}, worst decile off by ${fmt(best.maxDecileErrorPp, 1)} pp${meetsDeciles ? '' : ` (target <= ${CALIBRATION_GATES.maxDecileErrorPp})`}`;

  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const r of records) {
    fromMs = Math.min(fromMs, r.signal.closeTimeMs);
    toMs = Math.max(toMs, r.resolvedCloseTimeMs);
  }
  const chosen = CALIBRATION_CANDIDATES.find((c) => c.model === best.model)!;
  const id = `${o.dataset}:${chosen.model}:${iso(toMs).slice(0, 10)}`;
  const bestFit = fitSignalCalibration(records.map(sampleOf), { inputs: chosen.inputs, l2: chosen.l2, id, timeframes: [o.timeframe] });
  const final = ships ? bestFit : null;
  const file: CalibrationFile = {
    format: 1,
    calibrated: final !== null,
    calibration: final,
    provenance: {
      dataset: o.dataset,
      fingerprint: o.fingerprint,
      timeframe: o.timeframe,
      symbols: o.symbols,
      from: records.length ? iso(fromMs) : '',
      to: records.length ? iso(toMs) : '',
      folds: o.folds,
      fitDate: records.length ? iso(toMs) : '',
      roundTripFeeBps: o.roundTripFeeBps,
      generatedBy: o.generatedBy,
    },
    evidence: {
      model: best.model,
      signals: best.signals,
      brier: finiteOrNull(best.brier),
      constantBrier: finiteOrNull(constantBrier),
      auc: finiteOrNull(best.auc),
      maxDecileErrorPp: finiteOrNull(best.maxDecileErrorPp),
      verdict,
    },
  };
  return { file, candidates, oos, best: bestFit, final };
}
