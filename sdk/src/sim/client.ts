import { Agent } from 'node:http';
import ccxt from 'ccxt';
import type { SimExchange } from './types.js';
import { uniqueSignNonces } from './uniqueNonce.js';

type BlofinPro = InstanceType<typeof ccxt.pro.blofin>;

/**
 * A real, unmodified `ccxt.pro.blofin` whose REST and websocket URLs point at the sim. The sim's
 * test key is filled in unless `ccxtOptions` brings its own credentials. A plain-HTTP agent is
 * installed because ccxt only accepts `ws://` URLs with one. Private calls never share a nonce
 * (see {@link uniqueSignNonces}): the sim refuses a repeated one, as BloFin does.
 *
 * @example
 * const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 2_000 });
 */
export function createBlofinClient(sim: Pick<SimExchange, 'url' | 'wsUrl' | 'apiKey'>, ccxtOptions: Record<string, unknown> = {}): BlofinPro {
  const credentials = sim.apiKey && ccxtOptions.apiKey === undefined ? { apiKey: sim.apiKey.apiKey, secret: sim.apiKey.secret, password: sim.apiKey.password } : {};
  const ex = new ccxt.pro.blofin({ ...credentials, ...ccxtOptions });
  ex.urls = {
    ...ex.urls,
    api: {
      ...(ex.urls.api as Record<string, unknown>),
      rest: sim.url,
      ws: { swap: { public: `${sim.wsUrl}/public`, private: `${sim.wsUrl}/private` } },
    },
  };
  // ccxt refuses plain ws:// URLs until an http agent is present (it expects TLS otherwise).
  ex.httpAgent = new Agent({ keepAlive: true });
  return uniqueSignNonces(ex);
}
