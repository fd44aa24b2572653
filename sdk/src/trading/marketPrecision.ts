import { InvalidInputError } from '../core/errors.js';
import type { PlaceOrderRequest } from './types.js';

/** A market's order grid and minimums, in base units and quote (USD). */
export interface MarketPrecision {
  /** Size step (lot) in base units. */
  amountStep?: number;
  /** Price step (tick). */
  priceStep?: number;
  minAmountBase?: number;
  minNotionalUsd?: number;
}

/** Decimal places of a step such as 0.001 (3), so results print as the venue expects. */
function decimalsOf(step: number): number {
  const text = step.toString();
  const exp = /e-(\d+)$/.exec(text);
  if (exp) return Number(exp[1]);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** `x` rounded on the step's grid, down, up or to the nearest, without binary fractions left over. */
export function toStep(x: number, step: number | undefined, mode: 'down' | 'up' | 'nearest'): number {
  if (step === undefined || !(step > 0) || !Number.isFinite(x)) return x;
  const n = x / step;
  // A value a hair below the grid from float error (0.3 / 0.1 = 2.9999999999999996) is on it.
  const k = mode === 'down' ? Math.floor(n + 1e-9) : mode === 'up' ? Math.ceil(n - 1e-9) : Math.round(n);
  return Number((k * step).toFixed(Math.min(20, decimalsOf(step))));
}

/**
 * Puts an order on the market's grid, as the venue would require, in paper and live alike: the
 * size down to the lot (never more than was sized), a limit price to the tick on the side that
 * never pays more (buys down, sells up), trigger prices to the nearest tick.
 */
export function fitToMarket<T extends Pick<PlaceOrderRequest, 'side' | 'amountBase' | 'price' | 'triggerPrice'>>(req: T, p: MarketPrecision | undefined): T {
  if (!p) return req;
  const out: T = { ...req, amountBase: toStep(req.amountBase, p.amountStep, 'down') };
  if (req.price !== undefined) out.price = toStep(req.price, p.priceStep, req.side === 'buy' ? 'down' : 'up');
  if (req.triggerPrice !== undefined) out.triggerPrice = toStep(req.triggerPrice, p.priceStep, 'nearest');
  return out;
}

/**
 * Refuses an order below the market's minimum size or notional (or rounded to nothing) before it
 * is recorded, so a dust order (1e-300) never reaches the ledger, never starts a cooldown and
 * never reaches the venue.
 */
export function checkMinimums(req: Pick<PlaceOrderRequest, 'symbol' | 'amountBase'>, price: number | null, min: MarketPrecision | undefined): void {
  if (!(req.amountBase > 0)) {
    throw new InvalidInputError('order', [{ path: 'amountBase', received: String(req.amountBase), expected: `a size of at least one lot${min?.amountStep ? ` (${min.amountStep})` : ''} on ${req.symbol}` }]);
  }
  const minAmount = min?.minAmountBase ?? 0;
  if (minAmount > 0 && req.amountBase < minAmount * (1 - 1e-9)) {
    throw new InvalidInputError('order', [{ path: 'amountBase', received: String(req.amountBase), expected: `at least the market minimum ${minAmount} for ${req.symbol}` }]);
  }
  const minNotional = min?.minNotionalUsd ?? 0;
  if (minNotional > 0 && price !== null && req.amountBase * price < minNotional * (1 - 1e-9)) {
    throw new InvalidInputError('order', [{ path: 'amountBase', received: String(req.amountBase), expected: `a notional of at least ${minNotional} USD on ${req.symbol} (at ${price})` }]);
  }
}
