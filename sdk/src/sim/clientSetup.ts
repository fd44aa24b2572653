import { Agent } from 'node:http';
import { ErrorCode } from '@perpscope/shared';
import type ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import { loadCcxtProClass } from '../core/ccxtModules.js';
import { InternalError } from '../core/errors.js';
import type { SimExchange } from './types.js';
import { uniqueSignNonces } from './uniqueNonce.js';

export type BlofinPro = InstanceType<typeof ccxt.pro.blofin>;

/**
 * What `createBlofinClient` builds, on the class the caller loaded: a real, unmodified `ccxt.pro.blofin` whose REST and websocket URLs point at the sim. The sim's
 * test key is filled in unless `ccxtOptions` brings its own credentials. A plain-HTTP agent is
 * installed because ccxt only accepts `ws://` URLs with one. Private calls never share a nonce
 * (see {@link uniqueSignNonces}): the sim refuses a repeated one, as BloFin does.
 */
export function setUpBlofinClient(Ctor: typeof ccxt.pro.blofin, sim: Pick<SimExchange, 'url' | 'wsUrl' | 'apiKey'>, ccxtOptions: Record<string, unknown> = {}): BlofinPro {
  const credentials = sim.apiKey && ccxtOptions.apiKey === undefined ? { apiKey: sim.apiKey.apiKey, secret: sim.apiKey.secret, password: sim.apiKey.password } : {};
  const ex = new Ctor({ ...credentials, ...ccxtOptions });
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

export type BinanceUsdm = InstanceType<typeof ccxt.pro.binanceusdm>;

/**
 * What `createBinanceUsdmClient` builds, on the class the caller loaded: a real, unmodified `ccxt.pro.binanceusdm` whose `fapi` URLs and market streams point at a sim
 * started with `dialect: 'binanceusdm'` (streams on the same port: ccxt turns the `/ws` base into
 * `/public/ws/<n>` and `/market/ws/<n>`). The sim's test key is filled in unless `ccxtOptions` brings its own
 * credentials. ccxt picks its USD-M error table (`exceptions.linear`) by the `https://fapi.binance.com`
 * host, which a loopback URL never matches; the same table is installed ahead of the shared one,
 * so that codes such as -2019 (InsufficientFunds) and -4116/-4164 (InvalidOrder) map as they do
 * against Binance.
 */
export function setUpBinanceUsdmClient(Ctor: typeof ccxt.pro.binanceusdm, sim: Pick<SimExchange, 'url' | 'apiKey'> & { wsUrl?: string }, ccxtOptions: Record<string, unknown> = {}): BinanceUsdm {
  const credentials = sim.apiKey && ccxtOptions.apiKey === undefined ? { apiKey: sim.apiKey.apiKey, secret: sim.apiKey.secret } : {};
  // With a key, ccxt's loadMarkets also reads the spot wallet's currencies (`sapi`), which the sim
  // does not serve: markets carry every currency the futures side needs.
  const options = { fetchCurrencies: false, ...(ccxtOptions.options as Record<string, unknown> | undefined) };
  const ex = new Ctor({ ...credentials, ...ccxtOptions, options });
  const base = sim.url;
  const api = ex.urls.api as Record<string, unknown>;
  ex.urls = {
    ...ex.urls,
    api: {
      ...api,
      ws: { ...(api.ws as Record<string, unknown>), future: sim.wsUrl ?? `${base.replace(/^http/, 'ws')}/ws` },
      fapiPublic: `${base}/fapi/v1`,
      fapiPublicV2: `${base}/fapi/v2`,
      fapiPublicV3: `${base}/fapi/v3`,
      fapiPrivate: `${base}/fapi/v1`,
      fapiPrivateV2: `${base}/fapi/v2`,
      fapiPrivateV3: `${base}/fapi/v3`,
      fapiData: `${base}/futures/data`,
    },
  };
  const exceptions = ex.exceptions as Record<string, Record<string, Record<string, unknown>> | Record<string, unknown>>;
  const linear = (exceptions.linear ?? {}) as Record<string, Record<string, unknown>>;
  ex.exceptions = {
    ...exceptions,
    exact: { ...(exceptions.exact as Record<string, unknown>), ...linear.exact },
    broad: { ...(exceptions.broad as Record<string, unknown>), ...linear.broad },
  };
  // ccxt refuses plain ws:// URLs until an http agent is present (it expects TLS otherwise).
  ex.httpAgent = new Agent({ keepAlive: true });
  return ex;
}

export type Bybit = InstanceType<typeof ccxt.pro.bybit>;

/**
 * What `createBybitClient` builds, on the class the caller loaded: a real, unmodified `ccxt.pro.bybit` whose v5 URLs, public linear stream and private stream point at a sim
 * started with `dialect: 'bybit'`. The sim's test key is filled in unless `ccxtOptions` brings its own
 * credentials. Markets load from `category=linear` only (the sim lists no spot, inverse or option
 * instruments, and each extra category would cost a request).
 */
export function setUpBybitClient(Ctor: typeof ccxt.pro.bybit, sim: Pick<SimExchange, 'url' | 'apiKey'>, ccxtOptions: Record<string, unknown> = {}): Bybit {
  const credentials = sim.apiKey && ccxtOptions.apiKey === undefined ? { apiKey: sim.apiKey.apiKey, secret: sim.apiKey.secret } : {};
  const given = (ccxtOptions.options as Record<string, unknown> | undefined) ?? {};
  const options = { ...given, fetchMarkets: { types: ['linear'], ...(given.fetchMarkets as Record<string, unknown> | undefined) } };
  const ex = new Ctor({ ...credentials, ...ccxtOptions, options });
  const api = ex.urls.api as Record<string, unknown>;
  const ws = api.ws as Record<string, Record<string, string>>;
  const streams = `${sim.url.replace(/^http/, 'ws')}/v5`;
  ex.urls = {
    ...ex.urls,
    // ccxt reads a linear account's private stream from `ws.private.contract` (`/v5/private`, unified or not).
    api: { ...api, public: sim.url, private: sim.url, ws: { ...ws, public: { ...ws.public, linear: `${streams}/public/linear` }, private: { ...ws.private, contract: `${streams}/private` } } },
  };
  // ccxt refuses plain ws:// URLs until an http agent is present (it expects TLS otherwise).
  ex.httpAgent = new Agent({ keepAlive: true });
  return ex;
}

export type Htx = InstanceType<typeof ccxt.pro.htx>;

/**
 * What `createHtxClient` builds, on the class the caller loaded: a real, unmodified `ccxt.pro.htx` whose contract host and websockets point at a sim started
 * with `dialect: 'htx'`, trading USDT-margined swaps (`defaultType: 'swap'`, linear markets only).
 * The sim's host replaces HTX's hostnames, so requests are signed over the host they reach, as HTX
 * checks. Streams: the public `/linear-swap-ws` and the v5 private `/ws/v5/notification` on the
 * same port. The sim's test key is filled in unless `ccxtOptions` brings its own credentials.
 */
export function setUpHtxClient(Ctor: typeof ccxt.pro.htx, sim: Pick<SimExchange, 'url' | 'apiKey'>, ccxtOptions: Record<string, unknown> = {}): Htx {
  const credentials = sim.apiKey && ccxtOptions.apiKey === undefined ? { apiKey: sim.apiKey.apiKey, secret: sim.apiKey.secret } : {};
  const given = (ccxtOptions.options as Record<string, unknown> | undefined) ?? {};
  const options = { defaultType: 'swap', defaultSubType: 'linear', ...given, fetchMarkets: { types: { spot: false, linear: true, inverse: false }, ...(given.fetchMarkets as Record<string, unknown> | undefined) } };
  const ex = new Ctor({ ...credentials, ...ccxtOptions, options });
  const url = new URL(sim.url);
  const host = url.host;
  const base = `${url.protocol}//{hostname}`;
  const ws = `${sim.url.replace(/^http/, 'ws')}`;
  // ccxt picks the linear swap (and future) streams from `ws.api.{swap,future}.linear`.
  const linear = { public: `${ws}/linear-swap-ws`, private: `${ws}/linear-swap-notification`, privateV5: `${ws}/ws/v5/notification` };
  const api = ex.urls.api as Record<string, unknown>;
  const streams = (api.ws as Record<string, Record<string, Record<string, unknown>>>).api!;
  const wsApi = { ...streams, swap: { ...streams.swap, linear }, future: { ...streams.future, linear } };
  ex.urls = { ...ex.urls, hostnames: { contract: host, spot: host }, api: { ...api, contract: base, spot: base, public: base, private: base, status: base, ws: { ...(api.ws as Record<string, unknown>), api: wsApi } } } as typeof ex.urls;
  // ccxt refuses plain ws:// URLs until an http agent is present (it expects TLS otherwise).
  ex.httpAgent = new Agent({ keepAlive: true });
  return ex;
}

/**
 * The ccxt client for a sim, by the dialect it speaks, with only that exchange's ccxt class loaded
 * (`loadCcxtProClass`): what `createBlofinClient` and its siblings build, without evaluating
 * every exchange in ccxt's package root. The engine, the CLI and the trading session build their
 * sim clients here.
 *
 * @example
 * const sim = await startSimExchange({ dialect: 'bybit', apiKey });
 * const ex = await loadSimClient(sim, { enableRateLimit: false });
 */
export async function loadSimClient(sim: Pick<SimExchange, 'url' | 'wsUrl' | 'apiKey' | 'dialect'>, ccxtOptions: Record<string, unknown> = {}): Promise<Exchange> {
  const Ctor = await loadCcxtProClass(sim.dialect);
  if (!Ctor) throw new InternalError(ErrorCode.Internal, `ccxt has no pro class for the sim dialect ${sim.dialect}`, { details: { dialect: sim.dialect } });
  if (sim.dialect === 'htx') return setUpHtxClient(Ctor as unknown as typeof ccxt.pro.htx, sim, ccxtOptions) as unknown as Exchange;
  if (sim.dialect === 'bybit') return setUpBybitClient(Ctor as unknown as typeof ccxt.pro.bybit, sim, ccxtOptions) as unknown as Exchange;
  if (sim.dialect === 'binanceusdm') return setUpBinanceUsdmClient(Ctor as unknown as typeof ccxt.pro.binanceusdm, sim, ccxtOptions) as unknown as Exchange;
  return setUpBlofinClient(Ctor as unknown as typeof ccxt.pro.blofin, sim, ccxtOptions) as unknown as Exchange;
}
