import { SlidingWindowLimiter } from '../../rateLimiter.js';
import type { SimApiKey } from '../../types.js';
import type { DialectReply, DialectRequest, SimCore, SimDialect } from '../types.js';
import { SymbolIndex } from '../binanceusdm/wire.js';
import { verifyBybitRequest } from './auth.js';
import { BYBIT_IP_WINDOWS, EndpointLimiter } from './limits.js';
import { BybitPrivateApi, requestParams } from './privateRoutes.js';
import { shareBybitCodec } from './privateWs.js';
import { handleBybitPublic } from './publicRoutes.js';
import { BY, byError } from './wire.js';

export { bybitSign } from './auth.js';

export interface BybitDialectOptions {
  /** Test credentials signed requests must carry; null refuses every signed request. */
  apiKey: SimApiKey | null;
  /** Multiplies the IP window and the per-endpoint limits. */
  rateLimitScale: number;
  /** Clock of the rate windows, in ms (wall time unless a test injects one). */
  limiterNowMs: () => number;
}

/** The IP firewall's answer past 600 requests per 5 s: a 403 page, not the JSON envelope. */
const IP_LIMIT_REPLY: DialectReply = { status: 403, body: 'access too frequent', contentType: 'text/plain' };

/**
 * Bybit v5 linear (USDT perpetuals) over the shared market core: public data under
 * `/v5/market/*`, signed endpoints under the rest of `/v5/` (HMAC-SHA256 of timestamp, key,
 * recvWindow and the query or JSON body in `X-BAPI-SIGN`, the timestamp within
 * `X-BAPI-RECV-WINDOW`), every answer in the `{ retCode, retMsg, result }` envelope. Limits: 600
 * requests per 5 s per IP (403 beyond), and per-endpoint limits per second on signed endpoints,
 * reported in `X-Bapi-Limit*` headers and refused with retCode 10006.
 */
export function createBybitDialect(core: SimCore, opts: BybitDialectOptions): SimDialect {
  const { ctx, faults, privateApi } = core;
  const symbols = new SymbolIndex(ctx);
  const ipLimiter = new SlidingWindowLimiter(BYBIT_IP_WINDOWS, opts.rateLimitScale, opts.limiterNowMs);
  const endpoints = new EndpointLimiter(opts.rateLimitScale, opts.limiterNowMs);
  const signed = new BybitPrivateApi(ctx, faults, privateApi, symbols, opts.apiKey);
  // The private stream renders orders with what this codec remembers of them (orderLinkId, stop type).
  shareBybitCodec(privateApi, signed);
  const isPrivate = (path: string): boolean => path.startsWith('/v5/') && !path.startsWith('/v5/market/');
  return {
    name: 'bybit',
    isPrivate,
    rateLimitReply: () => BY.tooMany(),
    admit(req: DialectRequest): { refusal: DialectReply | null; headers?: Record<string, string> } {
      if (!ipLimiter.tryAcquire()) return { refusal: IP_LIMIT_REPLY };
      if (!isPrivate(req.path)) return { refusal: null };
      const charge = endpoints.charge(`${req.method} ${req.path}`);
      if (!charge) return { refusal: null };
      return charge.admitted ? { refusal: null, headers: charge.headers } : { refusal: { ...BY.tooMany(), headers: charge.headers }, headers: charge.headers };
    },
    handle(req: DialectRequest): DialectReply | 'hang' {
      if (req.body === null) return byError(10001, 'params error: the request body is too large');
      if (!req.path.startsWith('/v5/')) return BY.notFound(req.path);
      if (!isPrivate(req.path)) return handleBybitPublic(ctx, faults, symbols, req.method, req.path, req.query) ?? BY.notFound(req.path);
      const rawQuery = req.rawUrl.includes('?') ? req.rawUrl.slice(req.rawUrl.indexOf('?') + 1) : '';
      const denied = verifyBybitRequest(opts.apiKey, req.method, req.headers, rawQuery, req.body, faults.serverNowMs());
      if (denied) return denied;
      const params = requestParams(req.method, req.query, req.body);
      if (!(params instanceof Map)) return params;
      return signed.handle(req.method, req.path, params) ?? BY.notFound(req.path);
    },
  };
}
