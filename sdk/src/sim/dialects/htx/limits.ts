import type { RateWindow } from '../../rateLimiter.js';

/** Market data under `/linear-swap-ex/market/`: 800 requests per second per IP. */
export const HTX_MARKET_WINDOWS: readonly RateWindow[] = [{ limit: 800, windowMs: 1_000 }];
/** Other public endpoints (contract info, funding, open interest): 240 requests per 3 s per IP. */
export const HTX_PUBLIC_WINDOWS: readonly RateWindow[] = [{ limit: 240, windowMs: 3_000 }];
/** Signed trading endpoints (place, cancel, leverage): 72 requests per 3 s per UID. */
export const HTX_TRADE_WINDOWS: readonly RateWindow[] = [{ limit: 72, windowMs: 3_000 }];
/** Signed queries (account, positions, orders, fills): 72 requests per 3 s per UID. */
export const HTX_QUERY_WINDOWS: readonly RateWindow[] = [{ limit: 72, windowMs: 3_000 }];

/** Whether a signed path places, changes or cancels (the trade budget) rather than reads. */
export function isTradePath(path: string): boolean {
  return /_(order|cancel|cancelall|switch_lever_rate|trigger_order|trigger_cancel|tpsl_order|tpsl_cancel)$/.test(path);
}
