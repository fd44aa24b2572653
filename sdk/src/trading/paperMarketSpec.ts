import type { Market } from '@perpscope/shared';
import type { PaperMarketSpec } from './paperBroker.js';

/** The paper broker's view of a market: fees, lot, tick and minimum size, as the venue lists them. */
export function paperMarketSpec(m: Pick<Market, 'makerFee' | 'takerFee' | 'lotSize' | 'tickSize' | 'minAmount'>): PaperMarketSpec {
  return { makerFee: m.makerFee, takerFee: m.takerFee, lotSize: m.lotSize, tickSize: m.tickSize, minAmount: m.minAmount };
}
