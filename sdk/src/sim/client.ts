import ccxt from 'ccxt';
import { setUpBinanceUsdmClient, setUpBlofinClient, setUpBybitClient, setUpHtxClient, type BinanceUsdm, type BlofinPro, type Bybit, type Htx } from './clientSetup.js';
import type { SimExchange } from './types.js';

// These take their class from ccxt's package root, which evaluates every exchange ccxt ships: the
// simplest thing for a script or a test. The engine and the CLI build their clients with
// `loadSimClient` (clientSetup.ts), which loads the one exchange a sim speaks.

/**
 * {@link setUpBlofinClient} on the class from ccxt's package root.
 *
 * @example
 * const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 2_000 });
 */
export function createBlofinClient(sim: Pick<SimExchange, 'url' | 'wsUrl' | 'apiKey'>, ccxtOptions: Record<string, unknown> = {}): BlofinPro {
  return setUpBlofinClient(ccxt.pro.blofin, sim, ccxtOptions);
}

/**
 * {@link setUpBinanceUsdmClient} on the class from ccxt's package root.
 *
 * @example
 * const sim = await startSimExchange({ dialect: 'binanceusdm', apiKey });
 * const ex = createBinanceUsdmClient(sim, { enableRateLimit: false });
 * await ex.loadMarkets();
 */
export function createBinanceUsdmClient(sim: Pick<SimExchange, 'url' | 'apiKey'> & { wsUrl?: string }, ccxtOptions: Record<string, unknown> = {}): BinanceUsdm {
  return setUpBinanceUsdmClient(ccxt.pro.binanceusdm, sim, ccxtOptions);
}

/**
 * {@link setUpBybitClient} on the class from ccxt's package root.
 *
 * @example
 * const sim = await startSimExchange({ dialect: 'bybit', apiKey });
 * const ex = createBybitClient(sim, { enableRateLimit: false });
 * await ex.loadMarkets();
 */
export function createBybitClient(sim: Pick<SimExchange, 'url' | 'apiKey'>, ccxtOptions: Record<string, unknown> = {}): Bybit {
  return setUpBybitClient(ccxt.pro.bybit, sim, ccxtOptions);
}

/**
 * {@link setUpHtxClient} on the class from ccxt's package root.
 *
 * @example
 * const sim = await startSimExchange({ dialect: 'htx', apiKey });
 * const ex = createHtxClient(sim, { enableRateLimit: false });
 * await ex.loadMarkets();
 */
export function createHtxClient(sim: Pick<SimExchange, 'url' | 'apiKey'>, ccxtOptions: Record<string, unknown> = {}): Htx {
  return setUpHtxClient(ccxt.pro.htx, sim, ccxtOptions);
}
