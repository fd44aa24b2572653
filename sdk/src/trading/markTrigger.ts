import type { PositionSide } from '../store/index.js';

/**
 * The step between a stop the venue will not take and a market exit: the protection manager holds
 * the stop itself, on the mark prices it receives, and tries the exchange stop again every
 * `retryEveryMs`. The mark crossing the stop, or `holdMs` without an exchange stop, exits at
 * market. BloFin's trigger orders fire on the last price only (ccxt's blofin has no
 * `triggerPriceType`), so a mark trigger can only be held client-side.
 */
export interface MarkTriggerRule {
  holdMs: number;
  retryEveryMs: number;
}

/** Default {@link MarkTriggerRule}: one minute at most without a stop on the venue, a new try every 5 s. */
export const DEFAULT_MARK_TRIGGER: MarkTriggerRule = { holdMs: 60_000, retryEveryMs: 5_000 };

/** A hold under way; persisted with the plan, so a restart continues it on the same clock. */
export interface MarkTriggerState {
  armedAtMs: number;
  /** The last placement try of the exchange stop. */
  triedAtMs: number;
  /** Why the exchange stop could not be placed. */
  reason: string;
}

/** What a held plan does on a new price. */
export type MarkTriggerStep = { kind: 'exit'; crossed: boolean; reason: string } | { kind: 'try' } | { kind: 'hold' };

/** True when `price` is at or through `stopPrice` for a position on `side`. */
export function crossed(side: PositionSide, price: number, stopPrice: number): boolean {
  return side === 'long' ? price <= stopPrice : price >= stopPrice;
}

/**
 * A held plan on a new price: exit when the price is through the stop or the hold ran out (a
 * missing rule means it ran out), try the exchange stop again when due, else hold. Pure.
 */
export function markTriggerStep(rule: MarkTriggerRule | null, state: MarkTriggerState, side: PositionSide, stopPrice: number, price: number, nowMs: number): MarkTriggerStep {
  if (crossed(side, price, stopPrice)) return { kind: 'exit', crossed: true, reason: `price ${price} crossed the stop ${stopPrice} held by the mark trigger` };
  const heldMs = nowMs - state.armedAtMs;
  if (!rule || heldMs >= rule.holdMs) return { kind: 'exit', crossed: false, reason: `no stop on the exchange for ${heldMs} ms: ${state.reason}` };
  return nowMs - state.triedAtMs >= rule.retryEveryMs ? { kind: 'try' } : { kind: 'hold' };
}
