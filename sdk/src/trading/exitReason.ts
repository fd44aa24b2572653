import type { Fill, StoredOrder } from '../store/index.js';

/**
 * Why a position (or part of one) was closed, from the order that closed it:
 * - `tp1`, `tp2`, ...: a take-profit step of the ladder;
 * - `sl`: the initial stop; `breakeven` and `trail`: the stop after break-even or trailing moved it;
 * - `manual`: the trader's own close; `panic`: `perpscope panic`, the GUI's panic or the emergency file;
 * - `stop_fallback`: a market exit because no stop could be placed on the venue;
 * - `liquidation`; `end_of_data` (a backtest's last bar); `other` (a fill without a known order).
 */
export type ExitReason = `tp${number}` | 'sl' | 'breakeven' | 'trail' | 'manual' | 'panic' | 'stop_fallback' | 'liquidation' | 'end_of_data' | 'other';

/** Order legs of the stop: which one the protection manager placed tells a moved stop from the first. */
export const STOP_LEGS = ['sl', 'breakeven', 'trail'] as const;
export type StopLeg = (typeof STOP_LEGS)[number];

/** Legs of `closePosition` market exits that name their reason. */
export const CLOSE_LEGS = ['manual', 'panic', 'stop_fallback'] as const;
export type CloseLeg = (typeof CLOSE_LEGS)[number];

/** The exit reason of a fill of `order`; null when the order opens or adds (an entry is no exit). */
export function exitReasonOf(order: Pick<StoredOrder, 'purpose' | 'params'> | null | undefined): ExitReason | null {
  if (!order) return 'other';
  const leg = typeof order.params.leg === 'string' ? order.params.leg : '';
  switch (order.purpose) {
    case 'entry':
    case 'pyramid':
      return null;
    case 'take_profit':
      return /^tp\d+$/.test(leg) ? (leg as `tp${number}`) : 'tp1';
    case 'stop_loss':
      return (STOP_LEGS as readonly string[]).includes(leg) ? (leg as StopLeg) : 'sl';
    case 'panic':
      return 'panic';
    case 'exit':
      return (CLOSE_LEGS as readonly string[]).includes(leg) ? (leg as CloseLeg) : 'manual';
    default:
      return 'other';
  }
}

/** Fill ids of paper liquidations: they have no order of their own. */
const LIQUIDATION_FILL_PREFIX = 'liq_';

/** The fill id of a paper liquidation of `symbol` at `atMs`. */
export function liquidationFillId(symbol: string, atMs: number): string {
  return `${LIQUIDATION_FILL_PREFIX}${symbol}_${atMs}`;
}

/** True for a paper liquidation's fill. */
export function isLiquidationFill(fill: Pick<Fill, 'clientOrderId' | 'fillId'>): boolean {
  return fill.clientOrderId === null && fill.fillId.startsWith(LIQUIDATION_FILL_PREFIX);
}

/**
 * The exit reason of a fill: `liquidation` for a paper liquidation, the reason of its order
 * otherwise (see `exitReasonOf`), null for an entry or a fill without an order of ours.
 */
export function fillExitReason(fill: Pick<Fill, 'clientOrderId' | 'fillId'>, orderOf: (clientOrderId: string) => StoredOrder | undefined): ExitReason | null {
  if (isLiquidationFill(fill)) return 'liquidation';
  return fill.clientOrderId === null ? null : exitReasonOf(orderOf(fill.clientOrderId));
}
