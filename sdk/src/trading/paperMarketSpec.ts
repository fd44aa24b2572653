import type { Market } from '@perpscope/shared';
import { contractsToBase } from '../market/contractUnits.js';
import type { PaperMarketSpec } from './paperBroker.js';

/**
 * The paper broker's view of a market: fees, lot, tick and minimum size, as the venue lists them.
 * The venue's lot and minimum count contracts; paper counts base units, as every broker does.
 */
export function paperMarketSpec(m: Pick<Market, 'makerFee' | 'takerFee' | 'lotSize' | 'tickSize' | 'minAmount' | 'contractSize'>): PaperMarketSpec {
  return { makerFee: m.makerFee, takerFee: m.takerFee, lotSize: contractsToBase(m, m.lotSize), tickSize: m.tickSize, minAmount: contractsToBase(m, m.minAmount) };
}
