import { decimalsOf } from './book.js';
import type { SimCandle, SimMarket } from './types.js';

/** An HTTP answer: status plus a JSON (or raw text) body. */
export interface Reply {
  status: number;
  body: unknown;
  /** When set, `body` is sent as this content type verbatim instead of JSON. */
  contentType?: string;
}

/** BloFin's success envelope. */
export function ok(data: unknown): Reply {
  return { status: 200, body: { code: '0', msg: 'success', data } };
}

/** BloFin's error envelope; ccxt maps `code` (then `msg`) to its error classes. */
export function fail(status: number, code: string, msg: string): Reply {
  return { status, body: { code, msg, data: null } };
}

export const RATE_LIMIT_REPLY: Reply = fail(429, '429', 'Too Many Requests');

/** A load-balancer style failure page: no BloFin JSON, so ccxt falls back to the HTTP status. */
export function gatewayError(status: number): Reply {
  const reason = status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : status === 504 ? 'Gateway Timeout' : 'Internal Server Error';
  return { status, body: `<html><head><title>${status} ${reason}</title></head><body>${status} ${reason}</body></html>`, contentType: 'text/html' };
}

export function price(value: number, market: SimMarket): string {
  return value.toFixed(decimalsOf(market.tickSize));
}

export function amount(value: number, market: SimMarket): string {
  return value.toFixed(decimalsOf(market.lotSize));
}

/** A free-form decimal without float noise or trailing zeros. */
export function decimal(value: number, maxDecimals = 8): string {
  if (!Number.isFinite(value)) return '0';
  const fixed = value.toFixed(maxDecimals);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/**
 * A BloFin candle row: [ts, open, high, low, close, vol (contracts), volCurrency (base),
 * volCurrencyQuote, confirm]. Contracts equal base units in the sim (contractValue 1).
 */
export function candleRow(c: SimCandle, market: SimMarket): string[] {
  const base = amount(c.volume, market);
  return [
    String(c.openTimeMs),
    price(c.open, market),
    price(c.high, market),
    price(c.low, market),
    price(c.close, market),
    base,
    base,
    decimal(c.quoteVolume, 4),
    c.closed ? '1' : '0',
  ];
}

/** The instrument record BloFin's `market/instruments` returns. */
export function instrument(m: SimMarket, live: boolean): Record<string, string> {
  return {
    instId: m.id,
    baseCurrency: m.base,
    quoteCurrency: m.quote,
    settleCurrency: m.settle,
    contractValue: String(m.contractSize),
    listTime: String(m.listedAtMs ?? 0),
    expireTime: String(m.delistAtMs ?? 4102444800000),
    maxLeverage: String(m.maxLeverage ?? 50),
    minSize: amount(m.minAmount, m),
    lotSize: amount(m.lotSize, m),
    tickSize: price(m.tickSize, m),
    instType: 'SWAP',
    contractType: 'linear',
    maxLimitSize: '100000000000',
    maxMarketSize: '10000000000',
    state: live ? 'live' : 'suspend',
  };
}
