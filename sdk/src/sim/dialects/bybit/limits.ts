import type { RateWindow } from '../../rateLimiter.js';

/** Bybit's IP limit over every HTTP request: 600 per 5-second window (beyond it, 403 "access too frequent"). */
export const BYBIT_IP_WINDOWS: readonly RateWindow[] = [{ limit: 600, windowMs: 5_000 }];

/**
 * Bybit's per-UID, per-endpoint limits for signed v5 linear endpoints (requests per second, the
 * default tier of its rate-limit table). Endpoints not listed here are limited by the IP window only.
 */
export const BYBIT_UID_LIMITS_PER_SECOND: Readonly<Record<string, number>> = {
  'POST /v5/order/create': 10,
  'POST /v5/order/amend': 10,
  'POST /v5/order/cancel': 10,
  'POST /v5/order/cancel-all': 1,
  'GET /v5/order/realtime': 50,
  'GET /v5/order/history': 50,
  'GET /v5/execution/list': 50,
  'GET /v5/position/list': 50,
  'POST /v5/position/set-leverage': 10,
  'POST /v5/position/trading-stop': 10,
  'GET /v5/account/wallet-balance': 50,
  'GET /v5/account/info': 50,
  'POST /v5/account/set-margin-mode': 5,
  'GET /v5/user/query-api': 10,
};

/** One endpoint's admission: the headers Bybit reports it in, and whether the request may go on. */
export interface EndpointCharge {
  admitted: boolean;
  headers: Record<string, string>;
}

/**
 * Per-endpoint one-second windows, answered in Bybit's `X-Bapi-Limit`, `X-Bapi-Limit-Status`
 * (requests left) and `X-Bapi-Limit-Reset-Timestamp` headers. Only admitted requests count.
 */
export class EndpointLimiter {
  private readonly stamps = new Map<string, number[]>();

  constructor(
    private readonly scale: number,
    private readonly now: () => number,
  ) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`rateLimitScale: got ${scale}, expected a positive finite number`);
  }

  /** Charges one request to `route` (`METHOD /path`); null when the route has no per-endpoint limit. */
  charge(route: string): EndpointCharge | null {
    const base = BYBIT_UID_LIMITS_PER_SECOND[route];
    if (base === undefined) return null;
    const limit = Math.max(1, Math.floor(base * this.scale));
    const t = this.now();
    const recent = (this.stamps.get(route) ?? []).filter((s) => s > t - 1_000);
    const admitted = recent.length < limit;
    if (admitted) recent.push(t);
    this.stamps.set(route, recent);
    const reset = (recent[0] ?? t) + 1_000;
    return { admitted, headers: { 'x-bapi-limit': String(limit), 'x-bapi-limit-status': String(Math.max(0, limit - recent.length)), 'x-bapi-limit-reset-timestamp': String(reset) } };
  }
}
