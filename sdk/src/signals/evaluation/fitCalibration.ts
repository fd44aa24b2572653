import { calibrationInput, type Calibration } from '../calibration.js';
import type { FeatureRow } from '../../features/types.js';
import type { Side } from '../../strategies/types.js';
import { fitL2Logistic } from './logistic.js';

/** What a calibration fit reads of one labeled signal. */
export interface CalibrationSample {
  features: FeatureRow;
  score: number;
  components: number;
  side: Side;
  /** 1 when the target was reached before the stop. */
  hit: 0 | 1;
}

export interface FitCalibrationOptions {
  /** Input names (see `CalibrationSchema`). */
  inputs: readonly string[];
  /** L2 penalty on standardized coefficients. */
  l2?: number;
  id?: string;
  timeframes?: string[];
}

/**
 * Fits a logistic calibration by L2-penalized maximum likelihood. Each input is standardized for
 * the fit (so one penalty means the same for all) and the result folded back into raw units, so
 * the calibration reads the engine's values directly. A non-finite input is fitted as 0 in raw
 * units, which is what `calibratedProbability` does with it.
 */
export function fitSignalCalibration(samples: readonly CalibrationSample[], options: FitCalibrationOptions): Calibration {
  const k = options.inputs.length;
  const raw = samples.map((s) =>
    options.inputs.map((name) => {
      const v = calibrationInput(name, s.features, s.score, s.components, s.side);
      return Number.isFinite(v) ? v : 0;
    }),
  );
  const mean = new Array<number>(k).fill(0);
  const sd = new Array<number>(k).fill(0);
  for (const row of raw) for (let j = 0; j < k; j++) mean[j]! += row[j]! / raw.length;
  for (const row of raw) for (let j = 0; j < k; j++) sd[j]! += (row[j]! - mean[j]!) ** 2 / raw.length;
  for (let j = 0; j < k; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const rows = raw.map((row) => row.map((v, j) => (v - mean[j]!) / sd[j]!));
  const fit = fitL2Logistic(rows, samples.map((s) => s.hit), { l2: options.l2 ?? 1 });
  const coef: Record<string, number> = {};
  let bias = fit.bias;
  options.inputs.forEach((name, j) => {
    coef[name] = fit.coef[j]! / sd[j]!;
    bias -= (fit.coef[j]! * mean[j]!) / sd[j]!;
  });
  const cal: Calibration = { bias, coef };
  if (options.id !== undefined) cal.id = options.id;
  if (options.timeframes !== undefined) cal.timeframes = options.timeframes;
  return cal;
}
