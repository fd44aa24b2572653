import { z } from 'zod';

/**
 * TP/SL settings. Defaults follow the seed bot users relied on: TPSL_MODE=atr, ATR_SL_MULT=1.2,
 * ATR_TP1_MULT=1.6, ATR_TP2_MULT=3.0, SCALE_OUT_PCT1/2=0.5, LEVEL_BUFFER_BPS=12, break-even after
 * 1R plus a buffer, trailing with a minimum step (TRAIL_MIN_STEP_BPS).
 */
export const TpSlConfigSchema = z.strictObject({
  /** How the stop and the two take-profits are placed: ATR multiples, fixed bps, or the signal's structural level with an ATR fallback. */
  mode: z.enum(['atr', 'bps', 'level_atr']).default('atr'),
  /** atr and level_atr: the stop's distance from entry, in ATRs. */
  slAtrMult: z.number().positive().default(1.2),
  /** atr and level_atr: the first take-profit's distance from entry, in ATRs. */
  tp1AtrMult: z.number().positive().default(1.6),
  /** atr and level_atr: the second take-profit's distance from entry, in ATRs. */
  tp2AtrMult: z.number().positive().default(3.0),
  /** bps: the stop's distance from entry. */
  slBps: z.number().positive().default(100),
  /** bps: the first take-profit's distance from entry. */
  tp1Bps: z.number().positive().default(150),
  /** bps: the second take-profit's distance from entry. */
  tp2Bps: z.number().positive().default(300),
  /** level_atr: the stop sits this far beyond the signal's level. */
  levelBufferBps: z.number().nonnegative().default(12),
  /** Fraction of the position the first take-profit closes; the second closes the rest. */
  scaleOut1: z.number().gt(0).lt(1).default(0.5),
  /** The stop moves to entry (plus the buffer) once the price has moved this many R (initial risk) in favour; null: never. */
  breakEvenAfterR: z.number().positive().nullable().default(1),
  /** How far past entry the break-even stop sits, on the profit side, so fees are covered. */
  breakEvenBufferBps: z.number().nonnegative().default(5),
  /** Trailing stop: follows the price by `atrMult` ATRs or `bps`, only ever towards profit. */
  trailing: z
    .strictObject({
      /** off, or trail by ATRs or by bps. */
      mode: z.enum(['off', 'atr', 'bps']).default('off'),
      /** atr mode: the trailing distance in ATRs (the ATR at entry). */
      atrMult: z.number().positive().default(2.5),
      /** bps mode: the trailing distance. */
      bps: z.number().positive().default(150),
      /** Smallest move of the stop worth an amend on the exchange. */
      minStepBps: z.number().nonnegative().default(5),
      /** At most one trailing amend per position in this time; prices arrive every few seconds. */
      minAmendIntervalMs: z.number().int().nonnegative().default(10_000),
    })
    .prefault({}),
});
export type TpSlConfig = z.infer<typeof TpSlConfigSchema>;

export interface TpSlLevels {
  stopPrice: number;
  tp1Price: number;
  tp2Price: number;
}

/**
 * Stop and TP ladder for an entry at `price`. `level` (level_atr) is the signal's structural
 * level (a breakout's range edge): the stop goes just beyond it when it lies on the protective
 * side; otherwise the ATR stop applies.
 */
export function computeTpSl(cfg: TpSlConfig, side: 'long' | 'short', price: number, atr: number, level?: number | null): TpSlLevels {
  const dir = side === 'long' ? 1 : -1;
  if (cfg.mode === 'bps') {
    return {
      stopPrice: price * (1 - (dir * cfg.slBps) / 10_000),
      tp1Price: price * (1 + (dir * cfg.tp1Bps) / 10_000),
      tp2Price: price * (1 + (dir * cfg.tp2Bps) / 10_000),
    };
  }
  let stopPrice = price - dir * cfg.slAtrMult * atr;
  if (cfg.mode === 'level_atr' && level !== null && level !== undefined && (price - level) * dir > 0) {
    stopPrice = level * (1 - (dir * cfg.levelBufferBps) / 10_000);
  }
  return { stopPrice, tp1Price: price + dir * cfg.tp1AtrMult * atr, tp2Price: price + dir * cfg.tp2AtrMult * atr };
}
