import { z } from 'zod';
import { parseOrThrow } from '../core/zodIssues.js';
import { FEATURE_NAMES, type FeatureName, type FeatureRow } from '../features/types.js';
import type { Side } from '../strategies/types.js';

/**
 * Inputs a calibration may weigh besides the features: the composite score, the agreeing count
 * and the side (+1 long, -1 short). `signed.<feature>` is a feature times the side, so that "RSI
 * above 50 on a long" and "RSI below 50 on a short" share one coefficient.
 */
export const CALIBRATION_EXTRAS = ['score', 'components', 'side'] as const;
const SIGNED_PREFIX = 'signed.';

const FEATURE_SET: ReadonlySet<string> = new Set<string>(FEATURE_NAMES);
const KNOWN_INPUTS: ReadonlySet<string> = new Set<string>([...FEATURE_NAMES, ...CALIBRATION_EXTRAS]);

function knownInput(name: string): boolean {
  return KNOWN_INPUTS.has(name) || (name.startsWith(SIGNED_PREFIX) && FEATURE_SET.has(name.slice(SIGNED_PREFIX.length)));
}

/**
 * Logistic calibration: `p = sigmoid(bias + sum(coef[name] * value))`, where each name is a
 * feature (`atrPct`, `ret5`, ...), `signed.<feature>`, `score`, `components` or `side`. `id`
 * names a fitted calibration (signals carry it); `timeframes`, when given, is the context it was
 * fitted on: signals of other timeframes stay uncalibrated.
 */
export const CalibrationSchema = z
  .strictObject({
    id: z.string().min(1).max(128).optional(),
    timeframes: z.array(z.string().min(1)).min(1).optional(),
    bias: z.number().finite(),
    coef: z.record(z.string(), z.number().finite()),
  })
  .superRefine((cal, ctx) => {
    for (const name of Object.keys(cal.coef)) {
      if (!knownInput(name)) {
        ctx.addIssue({ code: 'custom', path: ['coef', name], message: `a feature name, "signed.<feature>", "score", "components" or "side" (unknown input "${name}")` });
      }
    }
  });
export type Calibration = z.output<typeof CalibrationSchema>;

/** Validates a parsed calibration JSON document; throws `InvalidInputError` naming each bad field. */
export function parseCalibration(raw: unknown): Calibration {
  return parseOrThrow(CalibrationSchema, 'calibration', raw);
}

/** A calibration compiled for repeated use. */
export interface CompiledCalibration {
  /** `id` of the calibration, or `inline` for an unnamed one from a configuration. */
  id: string;
  /** Timeframes it applies to; null: all. */
  timeframes: ReadonlySet<string> | null;
  bias: number;
  names: readonly string[];
  weights: Float64Array;
}

export function compileCalibration(cal: Calibration): CompiledCalibration {
  const names = Object.keys(cal.coef).sort();
  return {
    id: cal.id ?? 'inline',
    timeframes: cal.timeframes ? new Set(cal.timeframes) : null,
    bias: cal.bias,
    names,
    weights: Float64Array.from(names, (n) => cal.coef[n]!),
  };
}

/** True when `cal` was fitted for signals of `timeframe`. */
export function calibrationApplies(cal: CompiledCalibration, timeframe: string): boolean {
  return cal.timeframes === null || cal.timeframes.has(timeframe);
}

/** The value of one calibration input for a candidate (NaN when the feature is not warm or not supplied). */
export function calibrationInput(name: string, features: FeatureRow, score: number, components: number, side: Side): number {
  const dir = side === 'long' ? 1 : -1;
  if (name === 'score') return score;
  if (name === 'components') return components;
  if (name === 'side') return dir;
  if (name.startsWith(SIGNED_PREFIX)) return dir * features[name.slice(SIGNED_PREFIX.length) as FeatureName];
  return features[name as FeatureName];
}

/**
 * Calibrated probability for one candidate. Inputs that are `NaN` (features not warm, order flow not
 * supplied) contribute nothing, so a missing optional input never poisons the probability.
 */
export function calibratedProbability(cal: CompiledCalibration, features: FeatureRow, score: number, components: number, side: Side = 'long'): number {
  let z = cal.bias;
  for (let i = 0; i < cal.names.length; i++) {
    const x = calibrationInput(cal.names[i]!, features, score, components, side);
    if (Number.isFinite(x)) z += cal.weights[i]! * x;
  }
  return 1 / (1 + Math.exp(-z));
}
