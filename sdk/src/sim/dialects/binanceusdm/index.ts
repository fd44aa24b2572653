import type { SimApiKey } from '../../types.js';
import { BINANCE_USDM_ORDERS_PER_MINUTE, BINANCE_USDM_WEIGHT_PER_MINUTE, MinuteWeightBudget } from '../../rateLimiter.js';
import type { DialectReply, DialectRequest, SimCore, SimDialect } from '../types.js';
import { verifyBinanceRequest } from './auth.js';
import { BinancePrivateApi } from './privateRoutes.js';
import { handleBinancePublic } from './publicRoutes.js';
import { bindBinanceUserData, handleListenKeyRoute, ListenKeys } from './userDataRoutes.js';
import { requestWeight } from './weights.js';
import { BN, bnError, SymbolIndex } from './wire.js';

export { binanceSign } from './auth.js';
export { binanceId } from './wire.js';

/** Paths served without a signature. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  '/fapi/v1/ping',
  '/fapi/v1/time',
  '/fapi/v1/exchangeInfo',
  '/fapi/v1/ticker/24hr',
  '/fapi/v1/ticker/price',
  '/fapi/v2/ticker/price',
  '/fapi/v1/ticker/bookTicker',
  '/fapi/v1/premiumIndex',
  '/fapi/v1/depth',
  '/fapi/v1/trades',
  '/fapi/v1/aggTrades',
  '/fapi/v1/klines',
  '/fapi/v1/fundingRate',
  '/fapi/v1/fundingInfo',
  '/fapi/v1/openInterest',
  '/futures/data/openInterestHist',
]);

export interface BinanceUsdmDialectOptions {
  /** Test credentials signed requests must carry; null refuses every signed request. */
  apiKey: SimApiKey | null;
  /** Multiplies the 2,400/min weight budget and the 1,200/min order budget. */
  rateLimitScale: number;
  /** Clock of the rate windows and of listenKey expiry, in ms (wall time unless a test injects one). */
  limiterNowMs: () => number;
}

/**
 * Binance USD-M futures (`fapi`) over the shared market core: public data under `/fapi/v1` and
 * `/futures/data`, signed endpoints (HMAC-SHA256 `signature`, `X-MBX-APIKEY`, `timestamp` within
 * `recvWindow`), errors as `{ code, msg }` with Binance's codes, and request weights charged to a
 * 2,400/min IP budget reported in `X-MBX-USED-WEIGHT-1M` (429 with `Retry-After` past it). Order
 * placements also count toward 1,200/min (`X-MBX-ORDER-COUNT-1M`).
 */
export function createBinanceUsdmDialect(core: SimCore, opts: BinanceUsdmDialectOptions): SimDialect {
  const { ctx, faults, privateApi } = core;
  const symbols = new SymbolIndex(ctx);
  const weights = new MinuteWeightBudget(BINANCE_USDM_WEIGHT_PER_MINUTE, opts.rateLimitScale, opts.limiterNowMs);
  const orderBudget = new MinuteWeightBudget(BINANCE_USDM_ORDERS_PER_MINUTE, opts.rateLimitScale, opts.limiterNowMs);
  const signed = new BinancePrivateApi(ctx, faults, privateApi, symbols);
  const listenKeys = new ListenKeys(opts.limiterNowMs);
  bindBinanceUserData(ctx, { keys: listenKeys, orderMeta: (id) => signed.orderMeta.get(id), algoMeta: (id) => signed.algoMeta.get(id) });
  const isPrivate = (path: string): boolean => path.startsWith('/fapi/') && !PUBLIC_PATHS.has(path);
  return {
    name: 'binanceusdm',
    isPrivate,
    rateLimitReply: () => withRetry(BN.tooManyRequests(weights.limitPerMinute), 60),
    admit(req: DialectRequest): { refusal: DialectReply | null; headers?: Record<string, string> } {
      const charge = weights.charge(requestWeight(req.method, req.path, req.query));
      const headers: Record<string, string> = { 'x-mbx-used-weight-1m': String(charge.usedWeight) };
      if (!charge.admitted) return { refusal: withRetry({ ...BN.tooManyRequests(weights.limitPerMinute), headers }, charge.retryAfterSec) };
      if (req.method === 'POST' && (req.path === '/fapi/v1/order' || req.path === '/fapi/v1/algoOrder')) {
        const orders = orderBudget.charge(1);
        headers['x-mbx-order-count-1m'] = String(orders.usedWeight);
        if (!orders.admitted) {
          return { refusal: withRetry({ ...bnError(-1015, `Too many new orders; current limit is ${orderBudget.limitPerMinute} orders per MINUTE.`, 429), headers }, orders.retryAfterSec) };
        }
      }
      return { refusal: null, headers };
    },
    handle(req: DialectRequest): DialectReply | 'hang' {
      if (req.body === null) return bnError(-1000, 'An unknown error occurred while processing the request: the body is too large.');
      if (PUBLIC_PATHS.has(req.path)) return handleBinancePublic(ctx, faults, symbols, req.method, req.path, req.query) ?? notFound(req);
      if (!isPrivate(req.path)) return notFound(req);
      const userStream = handleListenKeyRoute(listenKeys, opts.apiKey, req.method, req.path, req.headers);
      if (userStream) return userStream;
      const rawQuery = req.rawUrl.includes('?') ? req.rawUrl.slice(req.rawUrl.indexOf('?') + 1) : '';
      const params = new URLSearchParams(rawQuery);
      for (const [k, v] of new URLSearchParams(req.body)) params.append(k, v);
      const denied = verifyBinanceRequest(opts.apiKey, req.headers, rawQuery, req.body, params, faults.serverNowMs());
      if (denied) return denied;
      return signed.handle(req.method, req.path, params) ?? notFound(req);
    },
  };
}

function withRetry(reply: DialectReply, retryAfterSec: number): DialectReply {
  return { ...reply, headers: { ...reply.headers, 'retry-after': String(retryAfterSec) } };
}

function notFound(req: DialectRequest): DialectReply {
  return bnError(-5000, `Path ${req.path}, Method ${req.method} is invalid`, 404);
}
