import type { Exchange } from 'ccxt';
import { ccxtProExchangeIds, loadCcxtProClass } from '../core/ccxtModules.js';
import { ConfigError } from '../core/errors.js';
import type { SimConfigSchema } from '../config/configSchema.js';
import { BLOFIN_LIMITS, limitsForExchange, scaleLimits, type ExchangeLimits } from '../market/exchangeLimits.js';
import type { SimDialectName } from '../sim/dialects/types.js';
import type { SimExchange, SimExchangeOptions } from '../sim/index.js';
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
    ...(sim.venue ? { venue: sim.venue } : {}),
  };
}

/**
 * Exchanges whose ccxt pro class we construct by id; any ccxt pro id with swap markets works.
 * Only that exchange's ccxt module is loaded (`loadCcxtProClass`), not ccxt's every exchange.
 * Private calls never share a nonce (BloFin refuses a repeated one; see uniqueSignNonces).
 * `sandbox` points the client at the exchange's testnet (ccxt's sandbox mode).
 */
export async function createCcxtExchange(exchangeId: string, options: { timeoutMs: number; sandbox?: boolean }): Promise<Exchange> {
  const Ctor = await loadCcxtProClass(exchangeId);
  if (!Ctor) {
    const known = ccxtProExchangeIds();
    throw new ConfigError([{ path: 'exchange', received: JSON.stringify(exchangeId), expected: `a ccxt pro exchange id such as blofin, htx or binanceusdm (${known.length} available)` }]);
  }
  const ex = new Ctor({ timeout: options.timeoutMs, options: { defaultType: 'swap' } });
  if (options.sandbox) enterSandbox(ex);
  return uniqueSignNonces(ex);
}

/**
 * ccxt's sandbox mode, refused where the exchange has no testnet: ccxt's `setSandboxMode` on such
 * a class (HTX, for one) swaps in its empty `urls.test` and every request then fails far from
 * the cause, or worse, a partial test table leaves some calls on the real venue.
 */
export function enterSandbox(ex: Exchange): void {
  const test = (ex.urls as { test?: unknown }).test;
  if (!test || typeof test !== 'object' || Object.keys(test).length === 0) {
    throw new ConfigError([{ path: 'sandbox', received: `true for ${ex.id}`, expected: `false: ccxt has no testnet for ${ex.id} (sandbox works with ${SANDBOX_EXCHANGES.join(', ')})` }]);
  }
  ex.setSandboxMode(true);
}

/** The exchanges Perpscope documents a testnet for, through ccxt's sandbox mode (README, Exchanges). */
export const SANDBOX_EXCHANGES = ['blofin', 'binanceusdm', 'bybit'] as const;

/** The dialect a SimExchange speaks when none is named (SimExchange's own default). */
const DEFAULT_SIM_DIALECT: SimDialectName = 'blofin';

/**
 * The SimExchange dialect that stands in for a ccxt exchange id (`--sim --exchange ID`): BloFin
 * when none is named, else the dialect of that name. An exchange the sim cannot speak is a
 * ConfigError naming the ones it can.
 */
export function simDialectFor(exchangeId: string | undefined): SimDialectName {
  if (exchangeId === undefined || exchangeId === 'blofin' || exchangeId === 'sim') return DEFAULT_SIM_DIALECT;
  if (exchangeId === 'binanceusdm') return 'binanceusdm';
  if (exchangeId === 'bybit') return 'bybit';
  if (exchangeId === 'htx') return 'htx';
  throw new ConfigError([{ path: 'exchange', received: JSON.stringify(exchangeId), expected: 'with --sim, an exchange SimExchange speaks: blofin, binanceusdm, bybit or htx' }]);
}

/**
 * The exchange id a run acts for: the configured exchange on a venue; on the in-process sim
 * (`exchange: sim`), the exchange its dialect stands in for, so a sim run's ledger rows are kept
 * under that exchange, as a venue run's would be.
 */
export function venueExchangeId(configExchange: string, simDialect: SimDialectName | undefined): string {
  return configExchange === 'sim' ? (simDialect ?? DEFAULT_SIM_DIALECT) : configExchange;
}

/**
 * The command-line flags that select the venue of a run (`--exchange bybit`, `--sim`,
 * `--sim --exchange htx`), as a person would type them to start it again; the default dialect
 * needs no `--exchange`.
 */
export function venueCommandFlags(configExchange: string, simDialect: SimDialectName | undefined): string {
  if (configExchange !== 'sim') return `--exchange ${configExchange}`;
  return simDialect && simDialect !== DEFAULT_SIM_DIALECT ? `--sim --exchange ${simDialect}` : '--sim';
}

/**
 * The ccxt client for an in-process sim, by the dialect it speaks (ccxt's real `blofin` or
 * `binanceusdm` class pointed at loopback), without credentials (market data reads public
 * endpoints only), and that exchange's documented request limits scaled as the sim's allowances.
 */
export async function createSimClient(sim: SimExchange, options: { timeoutMs: number; rateLimitScale: number }): Promise<{ exchange: Exchange; limits: ExchangeLimits }> {
  const { loadSimClient } = await import('../sim/clientSetup.js');
  const blofin = sim.dialect === 'blofin';
  const exchange = await loadSimClient(sim, { timeout: options.timeoutMs, apiKey: '', secret: '', ...(blofin ? { password: '' } : {}) });
  const limits = blofin ? BLOFIN_LIMITS : limitsForExchange(exchange);
  return { exchange, limits: scaleLimits(limits, options.rateLimitScale) };
}
