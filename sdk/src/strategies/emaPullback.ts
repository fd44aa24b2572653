import { z } from 'zod';
import { allFinite, NO_SIGNAL, unitScore, type Strategy } from './types.js';

export const EmaPullbackParamsSchema = z.strictObject({
  /** How close (in ATRs) the bar's low (high for shorts) must come to the fast EMA. */
  touchAtr: z.number().finite().nonnegative().default(0.25),
  /** Minimum |EMA slope| (fraction per bar) for the trend to count. */
  minSlope: z.number().finite().nonnegative().default(0),
});
export type EmaPullbackParams = z.output<typeof EmaPullbackParamsSchema>;

/**
 * In a trend (fast EMA beyond slow, fast EMA sloping the same way), the bar dips to the fast EMA and
 * closes back on the trend side of it.
 */
export const emaPullback: Strategy<EmaPullbackParams> = {
  id: 'ema-pullback',
  description: 'trend pullback to the fast EMA that closes back with the trend',
  paramsSchema: EmaPullbackParamsSchema,
  evaluate({ features: f }, p) {
    const { close, low, high, atr, emaFast, emaSlow, emaSlope } = f;
    if (!allFinite(close, atr, emaFast, emaSlow, emaSlope) || atr <= 0) return NO_SIGNAL;
    const separation = Math.min(1, Math.abs(emaFast - emaSlow) / atr / 2);
    if (emaFast > emaSlow && emaSlope > p.minSlope && low <= emaFast + p.touchAtr * atr && close > emaFast) {
      const bounce = Math.min(1, (close - emaFast) / atr);
      return { pass: true, side: 'long', score: unitScore(0.4 + 0.3 * separation + 0.3 * bounce), tags: ['pullback', 'trend'], level: emaFast };
    }
    if (emaFast < emaSlow && emaSlope < -p.minSlope && high >= emaFast - p.touchAtr * atr && close < emaFast) {
      const bounce = Math.min(1, (emaFast - close) / atr);
      return { pass: true, side: 'short', score: unitScore(0.4 + 0.3 * separation + 0.3 * bounce), tags: ['pullback', 'trend'], level: emaFast };
    }
    return NO_SIGNAL;
  },
};
