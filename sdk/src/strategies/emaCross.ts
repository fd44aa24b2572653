import { z } from 'zod';
import { allFinite, NO_SIGNAL, unitScore, type Strategy } from './types.js';

export const EmaCrossParamsSchema = z.strictObject({
  /** Only count crosses while ADX is at least this. */
  minAdx: z.number().finite().nonnegative().default(0),
});
export type EmaCrossParams = z.output<typeof EmaCrossParamsSchema>;

/**
 * Fresh cross of the fast EMA over the slow one (21/50 with the default feature parameters): the
 * bot users ran on its own, here as one component.
 */
export const emaCross: Strategy<EmaCrossParams> = {
  id: 'ema-cross',
  description: 'fast EMA crosses the slow EMA on this bar',
  paramsSchema: EmaCrossParamsSchema,
  evaluate({ features: f, prev }, p) {
    if (!prev) return NO_SIGNAL;
    if (!allFinite(f.emaFast, f.emaSlow, prev.emaFast, prev.emaSlow)) return NO_SIGNAL;
    const adx = Number.isFinite(f.adx) ? f.adx : 0;
    if (adx < p.minAdx) return NO_SIGNAL;
    const score = unitScore(0.5 + 0.5 * Math.min(1, adx / 40));
    if (prev.emaFast <= prev.emaSlow && f.emaFast > f.emaSlow) {
      return { pass: true, side: 'long', score, tags: ['ema-cross', 'golden'], level: f.emaSlow };
    }
    if (prev.emaFast >= prev.emaSlow && f.emaFast < f.emaSlow) {
      return { pass: true, side: 'short', score, tags: ['ema-cross', 'death'], level: f.emaSlow };
    }
    return NO_SIGNAL;
  },
};
