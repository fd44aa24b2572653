import type { IncomingHttpHeaders } from 'node:http';
import type { SimContext } from '../context.js';
import type { FaultState } from '../faults.js';
import type { PrivateApi } from '../restPrivate.js';
import type { Reply } from '../wire.js';

/** The wire protocols SimExchange can speak over one simulated market. */
export const SIM_DIALECTS = ['blofin', 'binanceusdm', 'bybit', 'htx'] as const;
export type SimDialectName = (typeof SIM_DIALECTS)[number];

/** A reply plus the response headers a dialect adds (Binance's used-weight counters, say). */
export interface DialectReply extends Reply {
  headers?: Record<string, string>;
}

/** One HTTP request as a dialect sees it: the body is already read (null when too large). */
export interface DialectRequest {
  method: string;
  /** Path and query exactly as received (what BloFin signs). */
  rawUrl: string;
  path: string;
  query: URLSearchParams;
  body: string | null;
  headers: IncomingHttpHeaders;
}

/**
 * The market core every dialect shares: data and clock, faults, and the test account with its
 * matching and trigger engines (held by {@link PrivateApi}, which also serves BloFin's private
 * routes).
 */
export interface SimCore {
  ctx: SimContext;
  faults: FaultState;
  privateApi: PrivateApi;
}

/**
 * A wire codec over the market core. The server runs the faults every dialect shares (hangs,
 * latency, gateway errors); the dialect owns its paths, auth, rate limits and error bodies.
 */
export interface SimDialect {
  readonly name: SimDialectName;
  /** Whether `path` is a signed endpoint (for the request log). */
  isPrivate(path: string): boolean;
  /**
   * Rate limits, before the request is served: a refusal (429 and its kin) or null to go on,
   * with headers to add to whatever answer follows.
   */
  admit(req: DialectRequest): { refusal: DialectReply | null; headers?: Record<string, string> };
  /** The answer to an injected rate-limit fault (`faults.burst429`). */
  rateLimitReply(): DialectReply;
  /** Answers one request; 'hang' means processed but never answered. */
  handle(req: DialectRequest): DialectReply | 'hang';
}
