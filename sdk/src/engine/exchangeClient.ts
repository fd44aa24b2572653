import ccxt, { type Exchange } from 'ccxt';
import { ConfigError } from '../core/errors.js';
import type { SimConfigSchema } from '../config/configSchema.js';
import type { SimExchangeOptions } from '../sim/index.js';
import { uniqueSignNonces } from '../sim/uniqueNonce.js';
import type { z } from 'zod';

/** SimExchange options for the config's `sim` section, on an ephemeral loopback port. */
export function simExchangeOptions(sim: z.output<typeof SimConfigSchema>): SimExchangeOptions {
  return {
    port: 0,
    symbols: sim.symbols,
    seed: sim.seed,
    acceleration: sim.acceleration,
    rateLimitScale: sim.rateLimitScale,
    ...(sim.dataDir ? { dataDir: sim.dataDir } : {}),
    ...(sim.startTimeMs !== undefined ? { startTimeMs: sim.startTimeMs } : {}),
    ...(sim.pausedAtStart ? { pausedAtStart: true } : {}),
  };
}

/**
 * Exchanges whose ccxt pro class we construct by id; any ccxt pro id with swap markets works.
 * Private calls never share a nonce (BloFin refuses a repeated one; see uniqueSignNonces).
 */
export function createCcxtExchange(exchangeId: string, options: { timeoutMs: number }): Exchange {
  const pro = ccxt.pro as unknown as Record<string, new (opts: Record<string, unknown>) => Exchange>;
  const Ctor = pro[exchangeId];
  if (!Ctor) {
    const known = Object.keys(pro).filter((k) => /^[a-z0-9]+$/.test(k)).slice(0, 400);
    throw new ConfigError([{ path: 'exchange', received: JSON.stringify(exchangeId), expected: `a ccxt pro exchange id such as blofin, htx or binanceusdm (${known.length} available)` }]);
  }
  return uniqueSignNonces(new Ctor({ timeout: options.timeoutMs, options: { defaultType: 'swap' } }));
}
