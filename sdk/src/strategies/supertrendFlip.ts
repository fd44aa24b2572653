import { z } from 'zod';
import { allFinite, NO_SIGNAL, unitScore, type Strategy } from './types.js';

export const SupertrendFlipParamsSchema = z.strictObject({
  /** Only count flips while ADX is at least this. */
  minAdx: z.number().finite().nonnegative().default(0),
});
export type SupertrendFlipParams = z.output<typeof SupertrendFlipParamsSchema>;

/** The Supertrend direction changed on this bar; trade the new direction. */
export const supertrendFlip: Strategy<SupertrendFlipParams> = {
  id: 'supertrend-flip',
  description: 'Supertrend direction flips on this bar',
  paramsSchema: SupertrendFlipParamsSchema,
  evaluate({ features: f, prev }, p) {
    if (!prev) return NO_SIGNAL;
    const dir = f.supertrendDir;
    const before = prev.supertrendDir;
    if (!allFinite(dir, before, f.supertrend) || dir === before) return NO_SIGNAL;
    const adx = Number.isFinite(f.adx) ? f.adx : 0;
    if (adx < p.minAdx) return NO_SIGNAL;
    return {
      pass: true,
      side: dir > 0 ? 'long' : 'short',
      score: unitScore(0.5 + 0.5 * Math.min(1, adx / 50)),
      tags: ['supertrend', dir > 0 ? 'flip-up' : 'flip-down'],
      level: f.supertrend,
    };
  },
};
