import { z } from 'zod';
import { parseOrThrow } from '../core/zodIssues.js';
import { CalibrationSchema } from './calibration.js';
import shipped from './calibrations/default.json' with { type: 'json' };

/** Null where the figure is undefined (no test-fold signals, one class only, no decile of 200). */
const rate = z.number().finite().nullable();

/** Out-of-sample figures a calibration file was judged by (walk-forward folds of its data set). */
export const CalibrationEvidenceSchema = z.strictObject({
  /** The model chosen among the candidates by out-of-sample Brier score. */
  model: z.string().min(1),
  signals: z.number().int().nonnegative(),
  brier: rate,
  /** Brier of stating the training folds' base rate for every signal. */
  constantBrier: rate,
  auc: rate,
  /** Largest |stated - realized| over deciles holding at least 200 signals, in percentage points. */
  maxDecileErrorPp: rate,
  /** Why the calibration ships or does not. */
  verdict: z.string().min(1),
});

/** Where a calibration came from: enough to refit it and to know when it is stale. */
export const CalibrationProvenanceSchema = z.strictObject({
  dataset: z.string().min(1),
  /** sha256 of every bar fitted on (see `loadBacktestData`). */
  fingerprint: z.string().min(1),
  timeframe: z.string().min(1),
  symbols: z.number().int().positive(),
  /** First and last signal bar close fitted on, ISO UTC. */
  from: z.string().min(1),
  to: z.string().min(1),
  folds: z.number().int().min(2),
  /** The data's end, not the wall clock: refitting the same data gives the same file. */
  fitDate: z.string().min(1),
  /** Round-trip fee assumed for the realized returns, in bps. */
  roundTripFeeBps: z.number().finite().nonnegative(),
  generatedBy: z.string().min(1),
});
export type CalibrationProvenance = z.output<typeof CalibrationProvenanceSchema>;

/**
 * A shipped or refitted calibration file. `calibrated: false` with `calibration: null` is a valid
 * outcome: it records that no candidate beat the base rate out of sample, and signals then say
 * they are uncalibrated.
 */
export const CalibrationFileSchema = z
  .strictObject({
    format: z.literal(1),
    calibrated: z.boolean(),
    calibration: CalibrationSchema.nullable(),
    provenance: CalibrationProvenanceSchema,
    evidence: CalibrationEvidenceSchema,
  })
  .refine((f) => f.calibrated === (f.calibration !== null), { message: 'calibrated must be true exactly when calibration is present', path: ['calibrated'] });
export type CalibrationFile = z.output<typeof CalibrationFileSchema>;

/** Validates a parsed calibration file; throws `InvalidInputError` naming each bad field. */
export function parseCalibrationFile(raw: unknown): CalibrationFile {
  return parseOrThrow(CalibrationFileSchema, 'calibration file', raw);
}

/** The calibration file shipped with the SDK (`calibrations/default.json`, written by `perpscope calibrate`). */
export const DEFAULT_CALIBRATION_FILE: CalibrationFile = parseCalibrationFile(shipped);
