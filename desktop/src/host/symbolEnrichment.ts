import type { RankingRowView, SignalView, SymbolDetailView } from '@perpscope/shared';
import type { MaybePromise, SymbolPort } from './ports.js';

export interface SymbolEnrichment {
  ranking: (symbol: string) => RankingRowView | null;
  signals: (symbol: string) => MaybePromise<SignalView[]>;
}

/**
 * Adds what the ranking and the signal feed know about a symbol to its inspection: its ranking
 * row, the manipulation score and flags behind it, and its recent signals.
 */
export function enrichSymbols(base: SymbolPort, more: SymbolEnrichment): SymbolPort {
  return {
    async inspect(p): Promise<SymbolDetailView> {
      const detail = await base.inspect(p);
      const row = more.ranking(p.symbol);
      const signals = await more.signals(p.symbol);
      return {
        ...detail,
        ranking: row ?? detail.ranking,
        manipulation: row && row.manipScore !== null ? { manipScore: row.manipScore, flags: row.flags } : detail.manipulation,
        signals: signals.length > 0 ? signals : detail.signals,
      };
    },
  };
}
