import { SlidingWindowLimiter } from '../../rateLimiter.js';
import type { SimApiKey } from '../../types.js';
import type { DialectReply, DialectRequest, SimCore, SimDialect } from '../types.js';
import { verifyHtxRequest } from './auth.js';
import { HTX_MARKET_WINDOWS, HTX_PUBLIC_WINDOWS, HTX_QUERY_WINDOWS, HTX_TRADE_WINDOWS, isTradePath } from './limits.js';
import { HtxPrivateApi, requestParams } from './privateRoutes.js';
import { registerHtxCodec } from './privateWs.js';
import { handleHtxPublic } from './publicRoutes.js';
import { HT } from './wire.js';

export { htxSign } from './auth.js';

export interface HtxDialectOptions {
  /** Test credentials signed requests must carry; null refuses every signed request. */
  apiKey: SimApiKey | null;
  /** Multiplies every window's allowance. */
  rateLimitScale: number;
  /** Clock of the rate windows, in ms (wall time unless a test injects one). */
  limiterNowMs: () => number;
}

/** Paths served without a signature: market data, contract info, funding, open interest, time and currencies. */
const PUBLIC_PREFIXES = ['/linear-swap-ex/market/', '/v5/market/', '/v2/reference/', '/api/v1/timestamp'];
const PUBLIC_PATHS = new Set(['/linear-swap-api/v1/swap_contract_info', '/linear-swap-api/v1/swap_his_open_interest']);

/**
 * HTX USDT-margined linear swaps over the shared market core. Public: contract info, funding and
 * open-interest history under `/linear-swap-api/v1`, market data under `/linear-swap-ex/market`,
 * funding and open interest under `/v5/market`. Signed: the `/v5/*` trade, algo, position and
 * account endpoints and `/linear-swap-api/v1` private ones, signed with HTX's signature v2
 * (AccessKeyId, Timestamp and a base64 HMAC-SHA256 `Signature` in the query). Limits: 800
 * market-data requests per second and 240 other public requests per 3 s per IP; 72 trading and
 * 72 query requests per 3 s per key, reported in `ratelimit-*` headers. Refusals are HTTP 429 with
 * err_code 1032.
 */
export function createHtxDialect(core: SimCore, opts: HtxDialectOptions): SimDialect {
  const { ctx, faults, privateApi } = core;
  const market = new SlidingWindowLimiter(HTX_MARKET_WINDOWS, opts.rateLimitScale, opts.limiterNowMs);
  const pub = new SlidingWindowLimiter(HTX_PUBLIC_WINDOWS, opts.rateLimitScale, opts.limiterNowMs);
  const trade = new SlidingWindowLimiter(HTX_TRADE_WINDOWS, opts.rateLimitScale, opts.limiterNowMs);
  const query = new SlidingWindowLimiter(HTX_QUERY_WINDOWS, opts.rateLimitScale, opts.limiterNowMs);
  const signed = new HtxPrivateApi(ctx, faults, privateApi);
  // The private stream renders orders and fills through this codec (see HtxPrivateStream).
  registerHtxCodec(privateApi, signed);
  const isPrivate = (path: string): boolean => !PUBLIC_PATHS.has(path) && !PUBLIC_PREFIXES.some((p) => path.startsWith(p));
  return {
    name: 'htx',
    isPrivate,
    rateLimitReply: () => HT.tooMany(),
    admit(req: DialectRequest): { refusal: DialectReply | null; headers?: Record<string, string> } {
      if (!isPrivate(req.path)) {
        const limiter = req.path.startsWith('/linear-swap-ex/market/') ? market : pub;
        return { refusal: limiter.tryAcquire() ? null : HT.tooMany() };
      }
      const tradePath = isTradePath(req.path);
      const window = tradePath ? HTX_TRADE_WINDOWS[0]! : HTX_QUERY_WINDOWS[0]!;
      const admitted = (tradePath ? trade : query).tryAcquire();
      const headers = { 'ratelimit-limit': String(Math.max(1, Math.floor(window.limit * opts.rateLimitScale))), 'ratelimit-interval': String(window.windowMs) };
      return { refusal: admitted ? null : { ...HT.tooMany(), headers }, headers };
    },
    handle(req: DialectRequest): DialectReply | 'hang' {
      if (req.body === null) return HT.param('the request body is too large');
      if (!isPrivate(req.path)) return handleHtxPublic(ctx, faults, req.method, req.path, req.query) ?? HT.notFound(req.path);
      const rawQuery = req.rawUrl.includes('?') ? req.rawUrl.slice(req.rawUrl.indexOf('?') + 1) : '';
      const denied = verifyHtxRequest(opts.apiKey, req.method, req.headers, req.path, rawQuery, faults.serverNowMs());
      if (denied) return denied;
      const params = requestParams(req.method, req.query, req.body);
      if (!(params instanceof Map)) return params;
      return signed.handle(req.method, req.path, params) ?? HT.notFound(req.path);
    },
  };
}
