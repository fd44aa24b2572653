import { checkTimestamp } from '../auth.js';
import type { IpSuspension } from '../penalties.js';
import { BLOFIN_REST_WINDOWS, BLOFIN_TRADE_WINDOWS, SlidingWindowLimiter } from '../rateLimiter.js';
import { handlePublic } from '../restPublic.js';
import { fail, FIREWALL_REPLY, RATE_LIMIT_REPLY, reject } from '../wire.js';
import type { DialectReply, DialectRequest, SimCore, SimDialect } from './types.js';

export interface BlofinDialectOptions {
  /** Multiplies BloFin's request allowances (see SimExchangeOptions.rateLimitScale). */
  rateLimitScale: number;
  /** The IP suspension BloFin's firewall applies past a REST window (shared with the faults). */
  suspension: IpSuspension;
  /** Clock of the rate windows, in ms (wall time unless a test injects one). */
  limiterNowMs: () => number;
}

/**
 * BloFin's protocol: REST under `/api/v1` (market data public, the rest signed with ACCESS-*
 * headers), a 500/min and 1,500/5 min IP budget whose overflow suspends the IP, and 30 trading
 * POSTs per 10 s. Its websockets are served by the server's WsHub.
 */
export function createBlofinDialect(core: SimCore, opts: BlofinDialectOptions): SimDialect {
  const { ctx, faults, privateApi } = core;
  const limiter = new SlidingWindowLimiter(BLOFIN_REST_WINDOWS, opts.rateLimitScale, opts.limiterNowMs);
  const tradeLimiter = new SlidingWindowLimiter(BLOFIN_TRADE_WINDOWS, opts.rateLimitScale, opts.limiterNowMs);
  const isPrivate = (path: string): boolean => path.startsWith('/api/v1/') && !path.startsWith('/api/v1/market/');
  return {
    name: 'blofin',
    isPrivate,
    rateLimitReply: () => RATE_LIMIT_REPLY,
    admit(req: DialectRequest): { refusal: DialectReply | null } {
      if (faults.rateLimitPenalties && opts.suspension.active()) return { refusal: FIREWALL_REPLY };
      const full = limiter.admit();
      if (full) {
        // The overflowing request still gets its 429; the suspension answers everything after it.
        if (faults.rateLimitPenalties) opts.suspension.punish(full);
        return { refusal: RATE_LIMIT_REPLY };
      }
      if (req.method === 'POST' && req.path.startsWith('/api/v1/trade/') && !tradeLimiter.tryAcquire()) return { refusal: RATE_LIMIT_REPLY };
      return { refusal: null };
    },
    handle(req: DialectRequest): DialectReply | 'hang' {
      if (req.body === null) return fail(400, '400', 'Body too large');
      if (!isPrivate(req.path)) return handlePublic(ctx, req.path, req.query, faults);
      const stamp = req.headers['access-timestamp'];
      if (stamp !== undefined) {
        const expired = checkTimestamp(Array.isArray(stamp) ? (stamp[0] ?? '') : stamp, faults.serverNowMs());
        if (expired) return reject(expired.code, expired.msg);
      }
      return privateApi.handle(req.method, req.rawUrl, req.path, req.query, req.body, req.headers);
    },
  };
}
