import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';

const period = (min: number, fallback: number) => z.number().int().min(min).max(10_000).default(fallback);

/** Lookbacks of the feature set, in bars. Defaults follow the scanner users ran before. */
export const FeatureParamsSchema = z
  .strictObject({
    emaFastPeriod: period(2, 21),
    emaSlowPeriod: period(2, 50),
    emaSlopeLookbackBars: period(1, 8),
    atrPeriod: period(1, 14),
    adxPeriod: period(2, 14),
    rsiPeriod: period(2, 14),
    supertrendPeriod: period(1, 10),
    supertrendMultiplier: z.number().finite().positive().default(3),
    donchianPeriod: period(2, 20),
    volumePeriod: period(2, 20),
    velocityBars: period(1, 3),
    realizedVolShortPeriod: period(2, 10),
    realizedVolLongPeriod: period(3, 50),
  })
  .refine((p) => p.emaFastPeriod < p.emaSlowPeriod, { message: 'emaFastPeriod below emaSlowPeriod', path: ['emaFastPeriod'] })
  .refine((p) => p.realizedVolShortPeriod < p.realizedVolLongPeriod, {
    message: 'realizedVolShortPeriod below realizedVolLongPeriod',
    path: ['realizedVolShortPeriod'],
  });

export type FeatureParams = z.output<typeof FeatureParamsSchema>;
export type FeatureParamsInput = z.input<typeof FeatureParamsSchema>;

/** Validates feature parameters, filling defaults; throws `InvalidInputError` naming each bad field. */
export function resolveFeatureParams(input: FeatureParamsInput = {}): FeatureParams {
  const parsed = FeatureParamsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError('feature parameters', zodIssuesToFieldIssues(parsed.error, input));
}

/** Longest look-back (in bars, past the current one) that feature derivation reads from raw bars. */
export function featureLookbackBars(p: FeatureParams): number {
  return Math.max(20, p.emaSlopeLookbackBars, p.volumePeriod, p.velocityBars);
}
