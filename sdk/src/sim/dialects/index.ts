import type { IpSuspension } from '../penalties.js';
import type { SimApiKey } from '../types.js';
import { createBinanceUsdmDialect } from './binanceusdm/index.js';
import { createBlofinDialect } from './blofin.js';
import { createBybitDialect } from './bybit/index.js';
import { createHtxDialect } from './htx/index.js';
import { SIM_DIALECTS, type SimCore, type SimDialect, type SimDialectName } from './types.js';

export { SIM_DIALECTS, type DialectReply, type DialectRequest, type SimCore, type SimDialect, type SimDialectName } from './types.js';
export { binanceSign, binanceId } from './binanceusdm/index.js';
export { bybitSign } from './bybit/index.js';
export { htxSign } from './htx/index.js';

export interface DialectOptions {
  apiKey: SimApiKey | null;
  rateLimitScale: number;
  limiterNowMs: () => number;
  /** BloFin's IP suspension (shared with the faults). */
  suspension: IpSuspension;
}

/** Checks a dialect name from outside (CLI, options): the name itself, or an error naming the choices. */
export function parseDialect(value: unknown): SimDialectName {
  if (typeof value === 'string' && (SIM_DIALECTS as readonly string[]).includes(value)) return value as SimDialectName;
  throw new Error(`dialect: got ${JSON.stringify(value)}, expected one of ${SIM_DIALECTS.join(', ')}`);
}

/** The codec for `name` over the shared core. */
export function createDialect(name: SimDialectName, core: SimCore, opts: DialectOptions): SimDialect {
  if (name === 'htx') return createHtxDialect(core, { apiKey: opts.apiKey, rateLimitScale: opts.rateLimitScale, limiterNowMs: opts.limiterNowMs });
  if (name === 'bybit') return createBybitDialect(core, { apiKey: opts.apiKey, rateLimitScale: opts.rateLimitScale, limiterNowMs: opts.limiterNowMs });
  return name === 'binanceusdm'
    ? createBinanceUsdmDialect(core, { apiKey: opts.apiKey, rateLimitScale: opts.rateLimitScale, limiterNowMs: opts.limiterNowMs })
    : createBlofinDialect(core, { rateLimitScale: opts.rateLimitScale, suspension: opts.suspension, limiterNowMs: opts.limiterNowMs });
}
