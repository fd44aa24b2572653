import { contractsToBase } from '../market/contractUnits.js';
import type { SimMarket } from './types.js';

/** How one instrument counts its size, as BloFin's `market/instruments` lists it. */
export interface ContractSpec {
  /** Base units per contract (`contractValue`). */
  contractValue: number;
  /** Order size step, in contracts (`lotSize`). */
  lotContracts: number;
  /** Smallest order size, in contracts (`minSize`). */
  minContracts: number;
}

/**
 * BloFin's listed values for well-known bases. BTC-USDT is the documented example (contract value
 * 0.001, min and lot 0.1); the others span the other magnitudes BloFin lists, so that one run
 * trades contracts worth a thousandth, a hundredth, one and ten base units.
 */
const LISTED: Readonly<Record<string, ContractSpec>> = {
  BTC: { contractValue: 0.001, lotContracts: 0.1, minContracts: 0.1 },
  ETH: { contractValue: 0.01, lotContracts: 0.1, minContracts: 0.1 },
  SOL: { contractValue: 1, lotContracts: 1, minContracts: 1 },
  XRP: { contractValue: 10, lotContracts: 1, minContracts: 1 },
};

/** One contract of a base BloFin does not list here is worth 0.5 to 5 USD at `refPriceUsd`. */
const TARGET_CONTRACT_USD = 5;

/**
 * The contract spec of `base`: BloFin's own for a listed base, otherwise one whole contract per lot
 * worth a sensible notional at `refPriceUsd` (a power of ten base units, deterministic in the base
 * and its reference price, as the generator and recorded files fix both).
 */
export function contractSpecFor(base: string, refPriceUsd: number): ContractSpec {
  const listed = LISTED[base.toUpperCase()];
  if (listed) return { ...listed };
  const price = Number.isFinite(refPriceUsd) && refPriceUsd > 0 ? refPriceUsd : TARGET_CONTRACT_USD;
  const contractValue = Number((10 ** Math.floor(Math.log10(TARGET_CONTRACT_USD / price))).toPrecision(1));
  return { contractValue, lotContracts: 1, minContracts: 1 };
}

/** One lot of `m` in base units: the grain of the sim's own trades, books and volumes. */
export function lotBase(m: Pick<SimMarket, 'contractSize' | 'lotSize'>): number {
  return contractsToBase(m, m.lotSize);
}
