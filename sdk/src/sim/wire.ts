import { baseToContracts } from '../market/contractUnits.js';
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

/**
 * An error envelope under an HTTP status of its own: only for what BloFin's gateway answers
 * itself (unknown paths, oversized bodies, 429, server errors). ccxt maps `code` (then `msg`).
 */
export function fail(status: number, code: string, msg: string): Reply {
  return { status, body: { code, msg, data: null } };
}

/**
 * BloFin's business error: HTTP 200 with the code in the envelope (parameter, auth and order
 * errors alike; only 429 and gateway failures change the HTTP status).
 */
export function reject(code: string, msg: string): Reply {
  return { status: 200, body: { code, msg, data: null } };
}

/** One item of a per-order answer (place, cancel): `code` "0" on success. */
export interface ItemResult {
  code: string;
  msg: string;
}

/**
 * BloFin's envelope for per-order answers: top-level `0` when every item succeeded, `1` "All
 * operations failed" when none did, `2` "Partially succeeded" otherwise; each item keeps its own
 * `code`/`msg`. A single order is a batch of one, so its failure is top-level `1` with the reason
 * in `data[0]`.
 */
export function perItem<T extends ItemResult>(items: readonly T[]): Reply {
  const failed = items.filter((i) => i.code !== '0').length;
  if (failed === 0) return ok(items);
  if (failed === items.length) return { status: 200, body: { code: '1', msg: 'All operations failed', data: items } };
  return { status: 200, body: { code: '2', msg: 'Partially succeeded', data: items } };
}

export const RATE_LIMIT_REPLY: Reply = fail(429, '429', 'Too Many Requests');

/**
 * The firewall's answer to a suspended IP: 403 with a page, not BloFin JSON, so ccxt falls back
 * to the HTTP status (ExchangeNotAvailable).
 */
export const FIREWALL_REPLY: Reply = {
  status: 403,
  body: '<html><head><title>403 Forbidden</title></head><body>403 Forbidden: access suspended for exceeding the request rate limit</body></html>',
  contentType: 'text/html',
};

/** A load-balancer style failure page: no BloFin JSON, so ccxt falls back to the HTTP status. */
export function gatewayError(status: number): Reply {
  const reason = status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : status === 504 ? 'Gateway Timeout' : 'Internal Server Error';
  return { status, body: `<html><head><title>${status} ${reason}</title></head><body>${status} ${reason}</body></html>`, contentType: 'text/html' };
}

export function price(value: number, market: SimMarket): string {
  return value.toFixed(decimalsOf(market.tickSize));
}

/** A size already in contracts (lot, minimum, order and position sizes), on the lot's decimals. */
export function amount(value: number, market: SimMarket): string {
  return value.toFixed(decimalsOf(market.lotSize));
}

/** A base amount (book level, public trade, volume) as BloFin sends sizes: contracts. */
export function contracts(valueBase: number, market: SimMarket): string {
  return amount(baseToContracts(market, valueBase), market);
}

/** A free-form decimal without float noise or trailing zeros. */
export function decimal(value: number, maxDecimals = 8): string {
  if (!Number.isFinite(value)) return '0';
  const fixed = value.toFixed(maxDecimals);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/**
 * A BloFin candle row: [ts, open, high, low, close, vol (contracts), volCurrency (base),
 * volCurrencyQuote, confirm].
 */
export function candleRow(c: SimCandle, market: SimMarket): string[] {
  return [
    String(c.openTimeMs),
    price(c.open, market),
    price(c.high, market),
    price(c.low, market),
    price(c.close, market),
    contracts(c.volume, market),
    decimal(c.volume),
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
