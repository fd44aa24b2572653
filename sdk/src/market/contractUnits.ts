import { roundSignificant } from '../core/decimalRounding.js';
import { InvalidInputError } from '../core/errors.js';

/**
 * The one place where exchange amounts and Perpscope amounts meet. A swap venue counts sizes in
 * contracts (BloFin's BTC-USDT: one contract is 0.001 BTC, orders step by 0.1 contract); Perpscope
 * counts every amount in base units (BTC). Order sizes, positions, fills, books, trades, tickers,
 * open interest, the venue's lot and minimum all cross here, in one direction or the other.
 *
 * Rounding: an amount going to the venue is rounded DOWN (toward zero) to the lot in contracts,
 * never up, so an order is never larger than what was sized or what a position holds. Amounts
 * coming back are exact products; both directions strip binary noise (0.0021 / 0.001 is 2.1, not
 * 2.0999999999999996, which ccxt's truncating precision would turn into 2.0).
 *
 * @example
 * baseToContracts({ contractSize: 0.001 }, 0.00357, 0.1); // 3.5 contracts (0.0035 BTC)
 * contractsToBase({ contractSize: 0.001 }, 3.5); // 0.0035 BTC
 */

/**
 * What carries a contract size: a domain `Market`, a ccxt market, the size itself, or nothing
 * (a venue that lists none trades in base units: one base unit per contract).
 */
export type ContractSized = number | { readonly contractSize?: number | undefined } | null | undefined;

/** Significant digits kept after a conversion: far above any venue's precision, below float noise. */
const SIGNIFICANT_DIGITS = 12;

/** The contract size (base units per contract); 1 when absent, zero, negative or not a number. */
export function contractSizeOf(m: ContractSized): number {
  const cs = typeof m === 'number' ? m : m?.contractSize;
  return typeof cs === 'number' && Number.isFinite(cs) && cs > 0 ? cs : 1;
}

/**
 * `contracts` (signed allowed) of the market in base units. A value that is not a finite number
 * passes through as it came (NaN stays NaN), for the market-data checks downstream to judge.
 */
export function contractsToBase(m: ContractSized, contracts: number): number {
  return clean(contracts * contractSizeOf(m));
}

/**
 * `amountBase` (signed allowed) in contracts of the market. With `lotContracts`, rounded toward
 * zero onto that lot (a value within 1e-9 of a lot below it counts as on it): the size an order
 * may carry; a size that is not a finite number is then refused. Without, the exact quotient (for
 * amounts that are not orders, such as a book level; a non-finite value passes through).
 */
export function baseToContracts(m: ContractSized, amountBase: number, lotContracts?: number): number {
  const contracts = clean(amountBase / contractSizeOf(m));
  if (lotContracts === undefined) return contracts;
  if (!Number.isFinite(amountBase)) {
    throw new InvalidInputError('contract conversion', [{ path: 'amountBase', received: String(amountBase), expected: 'a finite number of base units' }]);
  }
  if (!(Number.isFinite(lotContracts) && lotContracts > 0)) {
    throw new InvalidInputError('contract conversion', [{ path: 'lotContracts', received: String(lotContracts), expected: 'a lot size in contracts > 0' }]);
  }
  const lots = Math.floor(Math.abs(contracts) / lotContracts + 1e-9);
  if (lots === 0) return 0;
  return Math.sign(contracts) * Number((lots * lotContracts).toFixed(decimalsOf(lotContracts)));
}

function clean(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : roundSignificant(x, SIGNIFICANT_DIGITS);
}

function decimalsOf(step: number): number {
  const text = step.toString();
  const exp = /e-(\d+)$/.exec(text);
  if (exp) return Math.min(20, Number(exp[1]) + (text.split('e')[0]!.split('.')[1]?.length ?? 0));
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(20, text.length - dot - 1);
}
