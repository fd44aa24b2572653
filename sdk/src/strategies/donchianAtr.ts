import { z } from 'zod';
import { allFinite, NO_SIGNAL, unitScore, type EntryPlan, type Side, type Strategy } from './types.js';

export const DonchianAtrParamsSchema = z.strictObject({
  /** Stop distance in ATRs. */
  atrStopMult: z.number().finite().positive().default(1.2),
  /** Equity fraction lost if the stop is hit (0.025 = 2.5 %). */
  riskPct: z.number().finite().positive().max(0.2).default(0.025),
  /** Equity used for sizing when the context carries none. */
  referenceEquityUsd: z.number().finite().positive().default(10_000),
  /** Only trade channel breaks while ADX is at least this (trend confirmation). */
  minAdx: z.number().finite().nonnegative().default(20),
});
export type DonchianAtrParams = z.output<typeof DonchianAtrParamsSchema>;

/**
 * Entry plan for a trade at `entryPrice` with an ATR stop: size so that the stop loses
 * `equityUsd * riskPct`. Deterministic; null when the inputs cannot give a positive size.
 */
export function planAtrEntry(side: Side, entryPrice: number, atr: number, equityUsd: number, p: DonchianAtrParams): EntryPlan | null {
  const stopDistance = p.atrStopMult * atr;
  if (!allFinite(entryPrice, stopDistance, equityUsd) || stopDistance <= 0 || entryPrice <= 0 || equityUsd <= 0) return null;
  const stopPrice = side === 'long' ? entryPrice - stopDistance : entryPrice + stopDistance;
  if (stopPrice <= 0) return null;
  const riskUsd = equityUsd * p.riskPct;
  const sizeBase = riskUsd / stopDistance;
  return { side, entryPrice, stopPrice, stopDistance, sizeBase, notionalUsd: sizeBase * entryPrice, riskUsd };
}

/**
 * Donchian channel break confirmed by ADX, with a deterministic entry plan: entry at the close,
 * stop `atrStopMult` ATRs away, size from `riskPct` of equity.
 */
export const donchianAtr: Strategy<DonchianAtrParams> = {
  id: 'donchian-atr',
  description: 'Donchian channel break with ADX confirmation and an ATR-sized entry plan',
  paramsSchema: DonchianAtrParamsSchema,
  evaluate({ features: f, equityUsd }, p) {
    const { close, atr, adx, donchianUpperPrev: up, donchianLowerPrev: down } = f;
    if (!allFinite(close, atr, adx, up, down) || atr <= 0 || adx < p.minAdx) return NO_SIGNAL;
    const side: Side | null = close > up ? 'long' : close < down ? 'short' : null;
    if (!side) return NO_SIGNAL;
    const plan = planAtrEntry(side, close, atr, equityUsd ?? p.referenceEquityUsd, p);
    if (!plan) return NO_SIGNAL;
    return {
      pass: true,
      side,
      score: unitScore(0.4 + 0.6 * Math.min(1, (adx - p.minAdx) / 30)),
      tags: ['donchian', side === 'long' ? 'channel-high' : 'channel-low'],
      level: side === 'long' ? up : down,
      plan,
    };
  },
};
