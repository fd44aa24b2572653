import { z } from 'zod';
import { allFinite, NO_SIGNAL, unitScore, type Strategy } from './types.js';

export const BreakoutParamsSchema = z.strictObject({
  /** Volume must be at least this multiple of the preceding window's mean. */
  volumeBurstMin: z.number().finite().positive().default(1.5),
  /** The close must clear the prior channel by at least this many ATRs. */
  minBreakAtr: z.number().finite().nonnegative().default(0),
});
export type BreakoutParams = z.output<typeof BreakoutParamsSchema>;

/**
 * Close beyond the prior Donchian channel on a volume burst. Score grows with the distance past the
 * level (in ATRs, capped at 1) and with the burst.
 */
export const breakout: Strategy<BreakoutParams> = {
  id: 'breakout',
  description: 'close beyond the prior channel high/low with a volume burst',
  paramsSchema: BreakoutParamsSchema,
  evaluate({ features: f }, p) {
    const { close, atr, volumeBurst, donchianUpperPrev: up, donchianLowerPrev: down } = f;
    if (!allFinite(close, atr, volumeBurst, up, down) || atr <= 0 || volumeBurst < p.volumeBurstMin) return NO_SIGNAL;
    const longBreak = (close - up) / atr;
    const shortBreak = (down - close) / atr;
    const burst = unitScore((volumeBurst - p.volumeBurstMin) / p.volumeBurstMin);
    if (close > up && longBreak >= p.minBreakAtr) {
      return { pass: true, side: 'long', score: unitScore(0.3 + 0.4 * Math.min(1, longBreak) + 0.3 * burst), tags: ['breakout', 'volume'], level: up };
    }
    if (close < down && shortBreak >= p.minBreakAtr) {
      return { pass: true, side: 'short', score: unitScore(0.3 + 0.4 * Math.min(1, shortBreak) + 0.3 * burst), tags: ['breakdown', 'volume'], level: down };
    }
    return NO_SIGNAL;
  },
};
