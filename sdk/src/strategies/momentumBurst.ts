import { z } from 'zod';
import { allFinite, NO_SIGNAL, unitScore, type Strategy } from './types.js';

export const MomentumBurstParamsSchema = z.strictObject({
  /** Minimum one-bar move, in ATRs. */
  minMoveAtr: z.number().finite().positive().default(1.5),
  /** Minimum volume z-score against the preceding window. */
  volumeZMin: z.number().finite().default(2),
});
export type MomentumBurstParams = z.output<typeof MomentumBurstParamsSchema>;

/** A one-bar move of several ATRs on abnormal volume, traded in the move's direction. */
export const momentumBurst: Strategy<MomentumBurstParams> = {
  id: 'momentum-burst',
  description: 'one-bar move of several ATRs on a volume z-score spike',
  paramsSchema: MomentumBurstParamsSchema,
  evaluate({ features: f }, p) {
    const { close, ret1, atr, volumeZ } = f;
    if (!allFinite(close, ret1, atr, volumeZ) || atr <= 0 || volumeZ < p.volumeZMin) return NO_SIGNAL;
    const prevClose = close / (1 + ret1);
    const moveAtr = (close - prevClose) / atr;
    const size = Math.abs(moveAtr);
    if (size < p.minMoveAtr) return NO_SIGNAL;
    const zExcess = p.volumeZMin > 0 ? (volumeZ - p.volumeZMin) / p.volumeZMin : volumeZ;
    const score = unitScore(0.3 + 0.35 * unitScore((size - p.minMoveAtr) / p.minMoveAtr) + 0.35 * unitScore(zExcess));
    return { pass: true, side: moveAtr > 0 ? 'long' : 'short', score, tags: ['momentum', 'volume-spike'], level: prevClose };
  },
};
