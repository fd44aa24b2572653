import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';
import { FEATURE_NAMES, type FeatureRow } from '../features/types.js';

/** Inputs a calibration may weigh besides the features: the composite score and the agreeing count. */
export const CALIBRATION_EXTRAS = ['score', 'components'] as const;

const KNOWN_INPUTS: ReadonlySet<string> = new Set<string>([...FEATURE_NAMES, ...CALIBRATION_EXTRAS]);

/**
 * Logistic calibration file: `p = sigmoid(bias + sum(coef[name] * value))`, where each name is a
 * feature (`atrPct`, `ret5`, ...), `score` or `components`.
 */
export const CalibrationSchema = z
  .strictObject({
    bias: z.number().finite(),
    coef: z.record(z.string(), z.number().finite()),
  })
  .superRefine((cal, ctx) => {
    for (const name of Object.keys(cal.coef)) {
      if (!KNOWN_INPUTS.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['coef', name], message: `a feature name, "score" or "components" (unknown input "${name}")` });
      }
    }
  });
export type Calibration = z.output<typeof CalibrationSchema>;

/** Validates a parsed calibration JSON document; throws `InvalidInputError` naming each bad field. */
export function parseCalibration(raw: unknown): Calibration {
  const parsed = CalibrationSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError('calibration', zodIssuesToFieldIssues(parsed.error, raw));
}

/** A calibration compiled for repeated use. */
export interface CompiledCalibration {
  bias: number;
  names: readonly string[];
  weights: Float64Array;
}

export function compileCalibration(cal: Calibration): CompiledCalibration {
  const names = Object.keys(cal.coef).sort();
  return { bias: cal.bias, names, weights: Float64Array.from(names, (n) => cal.coef[n]!) };
}

/**
 * Calibrated probability for one candidate. Inputs that are `NaN` (features not warm, order flow not
 * supplied) contribute nothing, so a missing optional input never poisons the probability.
 */
export function calibratedProbability(cal: CompiledCalibration, features: FeatureRow, score: number, components: number): number {
  let z = cal.bias;
  for (let i = 0; i < cal.names.length; i++) {
    const name = cal.names[i]!;
    const x = name === 'score' ? score : name === 'components' ? components : features[name as keyof FeatureRow];
    if (Number.isFinite(x)) z += cal.weights[i]! * x;
  }
  return 1 / (1 + Math.exp(-z));
}
