/**
 * What Perpscope assumes about a USDT perpetual when the exchange does not say: one place, so the
 * ranking, the radar and the cross-venue rows cannot disagree.
 */

/**
 * Each exchange's published base-tier (VIP 0) USDT-perpetual taker rate, for a market whose ccxt
 * description carries no fee (the market mapper reads an absent `taker` as 0).
 */
export const BASE_TAKER_FEE_RATES: Readonly<Record<string, number>> = {
  blofin: 0.0006,
  binanceusdm: 0.0005,
  bybit: 0.00055,
  htx: 0.0005,
};

/**
 * Funding interval assumed when the exchange's funding record does not state one: 8h, the standard
 * interval of USDT perpetuals on these venues. A few symbols fund every 4h or 1h; their figures are
 * off by that factor until the exchange states the interval.
 */
export const DEFAULT_FUNDING_INTERVAL_HOURS = 8;
