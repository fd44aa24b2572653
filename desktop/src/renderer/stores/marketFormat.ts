import { computed } from 'vue';
import { fmtPrice, fmtSize, marketGrids } from '../lib/format.js';
import { useRankingsStore } from './rankings.js';

/**
 * Prices and sizes of any ranked symbol on its market's tick and lot, read from the ranking rows
 * (which carry each market's grid). A symbol outside the ranking falls back to magnitude.
 */
export function useMarketFormat() {
  const rankings = useRankingsStore();
  const grids = computed(() => marketGrids(rankings.snapshot?.rows));
  return {
    /** The symbol's price tick, null when unknown. */
    tickOf: (symbol: string | null | undefined): number | null => (symbol ? (grids.value.get(symbol)?.priceTick ?? null) : null),
    /** The symbol's amount step in base units, null when unknown. */
    stepOf: (symbol: string | null | undefined): number | null => (symbol ? (grids.value.get(symbol)?.amountStep ?? null) : null),
    px: (symbol: string | null | undefined, x: number | null | undefined): string => fmtPrice(x, symbol ? grids.value.get(symbol)?.priceTick : null),
    sz: (symbol: string | null | undefined, x: number | null | undefined): string => fmtSize(x, symbol ? grids.value.get(symbol)?.amountStep : null),
  };
}
